package dev.duet.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.InvalidSignatureException;
import dev.duet.protocol.MalformedSignatureException;
import dev.duet.protocol.OwnerRequestSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fuzz seeds are real signed requests that today's checks accept. To remake them (new nonces):
 * {@code mvn -pl controller-protocol -am test -Dtest=SeedRequestsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dduet.fuzz.writeSeeds=true}.
 */
class SeedRequestsTest {
    private static final Ed25519PublicKey OWNER = SeedRequests.owner().publicKey();

    @Test
    void committedSeedsAreSignedRequestsThatVerify() throws Exception {
        if (Boolean.getBoolean("duet.fuzz.writeSeeds")) {
            for (Map.Entry<String, SignedRequest> seed : SeedRequests.make().entrySet()) {
                Path file = Path.of("src/test/resources", SeedRequests.INPUTS, seed.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, seed.getValue().write());
            }
        }
        assertThat(SeedRequests.committed()).hasSize(SeedRequests.ROUTES.length);
        for (SignedRequest request : SeedRequests.committed()) {
            assertThat(accepted(request)).as(request.toString()).isTrue();
        }
    }

    /**
     * Every single-bit change anywhere in a real signed request (line, fields, body) is refused,
     * unless it leaves the same request (a field name's letter case).
     */
    @Test
    void noBitOfASignedRequestCanChange() throws Exception {
        int tried = 0;
        for (SignedRequest request : SeedRequests.committed()) {
            byte[] bytes = request.write();
            for (int i = 0; i < bytes.length; i++) {
                for (int bit = 0; bit < 8; bit++) {
                    byte[] changed = bytes.clone();
                    changed[i] ^= (byte) (1 << bit);
                    SignedRequest read = SignedRequest.read(changed);
                    if (request.equals(read)) {
                        continue;
                    }
                    tried++;
                    assertThat(read != null && accepted(read)).as("byte %d bit %d of %s", i, bit, request.path()).isFalse();
                }
            }
        }
        assertThat(tried).isGreaterThan(SeedRequests.ROUTES.length * 8 * 300);
    }

    /** The controller's checks on the headers and body, short of the clock and the nonce store. */
    private static boolean accepted(SignedRequest r) {
        try {
            OwnerRequestSignature.Claims claims = OwnerRequestSignature.parse(r.signatureInput(), r.signature());
            if (r.contentDigest() == null || !claims.keyId().equals(OWNER.keyId()) || !claims.controllerKeyId().equals(SeedRequests.CONTROLLER)) {
                return false;
            }
            OWNER.verify(OwnerRequestSignature.base(r.method(), r.path(), r.rawQuery(), r.contentDigest(), claims.signatureParams()),
                    claims.signature());
            return OwnerRequestSignature.digestMatches(r.contentDigest(), r.body());
        } catch (MalformedSignatureException | InvalidSignatureException e) {
            return false;
        }
    }
}
