package dev.duet.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.InvalidSignatureException;
import dev.duet.protocol.MalformedSignatureException;
import dev.duet.protocol.OwnerRequestSignature;
import java.util.Base64;
import java.util.Set;

/**
 * Owner request signatures whatever the bytes: only {@link MalformedSignatureException} escapes
 * the parser (anything else, an OutOfMemoryError included, is a finding; in a campaign so is an
 * input slower than libFuzzer's per-input timeout); the Signature-Input and Signature it accepts
 * are the one serialisation of what it read; and a request that verifies under the owner's key,
 * digest included, is exactly one the owner signed. Under plain {@code mvn test} it replays its
 * seeds in OwnerSignatureFuzzTestInputs/ (real signed requests, see {@link SeedRequests}); with
 * {@code -Pfuzz} Jazzer mutates them for the time given (docs/api.md).
 */
class OwnerSignatureFuzzTest {
    private static final Ed25519PublicKey OWNER = SeedRequests.owner().publicKey();
    /** The requests the owner signed; the fuzzer has no way to sign another. */
    private static final Set<SignedRequest> SIGNED = SeedRequests.committed();

    @FuzzTest(maxDuration = "2m")
    void signedRequest(byte[] input) {
        SignedRequest request = SignedRequest.read(input);
        if (request == null) {
            return;
        }
        OwnerRequestSignature.Claims claims;
        try {
            claims = OwnerRequestSignature.parse(request.signatureInput(), request.signature());
        } catch (MalformedSignatureException refused) {
            return;
        }
        check(request.signatureInput().equals(OwnerRequestSignature.LABEL + "=" + claims.signatureParams())
                        && claims.signatureParams().equals(params(claims)),
                "Signature-Input is not the one serialisation of its parameters");
        check(request.signature().equals(OwnerRequestSignature.LABEL + "=:" + Base64.getEncoder().encodeToString(claims.signature()) + ":"),
                "Signature is not the one serialisation of its bytes");
        if (request.contentDigest() == null || !claims.keyId().equals(OWNER.keyId())) {
            return;
        }
        byte[] base = OwnerRequestSignature.base(request.method(), request.path(), request.rawQuery(), request.contentDigest(),
                claims.signatureParams());
        try {
            OWNER.verify(base, claims.signature());
        } catch (InvalidSignatureException rejected) {
            return;
        }
        if (OwnerRequestSignature.digestMatches(request.contentDigest(), request.body())) {
            check(SIGNED.contains(request), "a request the owner never signed verifies: " + request);
        }
    }

    private static String params(OwnerRequestSignature.Claims claims) {
        return "(\"@method\" \"@path\" \"@query\" \"content-digest\");created=" + claims.created() + ";nonce=\"" + claims.nonce()
                + "\";keyid=\"" + claims.keyId() + "\";alg=\"ed25519\";tag=\"duet.controller/" + claims.controllerKeyId() + "\"";
    }

    private static void check(boolean holds, String property) {
        if (!holds) {
            throw new AssertionError(property);
        }
    }
}
