package dev.duet.protocol.fuzz;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.OwnerRequestSignature;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The seed corpus of {@link OwnerSignatureFuzzTest}: real owner requests, signed by
 * {@link OwnerRequestSignature#sign} as the CLI signs them, one per owner route. The nonce is
 * random, so remaking them gives other bytes; {@link SeedRequestsTest} checks that the committed
 * ones are still requests the controller's checks accept.
 */
final class SeedRequests {
    static final String INPUTS = "dev/duet/protocol/fuzz/OwnerSignatureFuzzTestInputs/signedRequest/";
    /** RFC 9421 Appendix B.1.4 test-key-ed25519: published, so anyone can remake the corpus. */
    private static final String RFC_PRIVATE = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
    private static final String RFC_PUBLIC = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
    private static final long CREATED = 1_767_225_600L;
    /** The controller the seeds are signed for: the RFC test key's id stands in for one. */
    static final String CONTROLLER = owner().publicKey().keyId();

    record Route(String name, String method, String path, String body) {}

    static final Route[] ROUTES = {
        new Route("create", "POST", "/v1/cvms", "{\"name\":\"web\",\"provider\":\"qemu\"}"),
        new Route("mode", "PUT", "/v1/cvms/cvm-46aa73efba4a6991/mode", "{\"mode\":\"in-update\"}"),
        new Route("command", "POST", "/v1/cvms/cvm-46aa73efba4a6991/commands", "{\"argv\":[\"sh\",\"-c\",\"id\"],\"timeout_seconds\":30}"),
        new Route("stop", "DELETE", "/v1/cvms/cvm-46aa73efba4a6991", ""),
    };

    private SeedRequests() {}

    static Ed25519KeyPair owner() {
        try {
            return Ed25519KeyPair.fromEncoded(Base64.getDecoder().decode(RFC_PRIVATE), Base64.getDecoder().decode(RFC_PUBLIC));
        } catch (KeyFormatException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Freshly signed requests, by file name. */
    static Map<String, SignedRequest> make() {
        Map<String, SignedRequest> made = new LinkedHashMap<>();
        for (Route r : ROUTES) {
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            Map<String, String> headers = OwnerRequestSignature.sign(owner(), CONTROLLER, r.method(), r.path(), null, body, CREATED);
            made.put(r.name(), new SignedRequest(r.method(), r.path(), null, headers.get(OwnerRequestSignature.CONTENT_DIGEST),
                    headers.get(OwnerRequestSignature.SIGNATURE_INPUT), headers.get(OwnerRequestSignature.SIGNATURE), body));
        }
        return made;
    }

    static Set<SignedRequest> committed() {
        return java.util.Arrays.stream(ROUTES).map(r -> SignedRequest.read(SignedRequest.resource(INPUTS + r.name())))
                .collect(Collectors.toUnmodifiableSet());
    }
}
