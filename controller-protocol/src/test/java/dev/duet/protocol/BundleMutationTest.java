package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The honest golden bundle with one byte changed, at 1,000 places chosen by a fixed seed: the
 * verifier answers each with a verdict (no exception), and none that differs from the signed bytes
 * in a way that changes what was signed is trusted. Whitespace outside strings is not signed, so a
 * change there may leave the bundle trusted; the test counts only changes that alter the document.
 */
class BundleMutationTest {
    @Test
    void noChangedByteIsTrustedAndNoneThrows() throws Exception {
        byte[] honest = GoldenKeys.resource("bundle-honest-in-service.json");
        BundleTrust trust = new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(
                dev.duet.attestation.ControllerEvidenceVerifier.fingerprint(dev.duet.attestation.snp.SevCertificateTable.parse(
                        dev.duet.attestation.Octets.copyOf(GoldenKeys.resource("simulated-snp-certificates.bin")))
                        .find(dev.duet.attestation.snp.SevCertificateTable.ARK).orElseThrow())),
                AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), Optional.of(GoldenDocuments.NONCE), Optional.empty(),
                GoldenDocumentsTest.EVIDENCE_TIME);
        assertThat(BundleVerifier.verify(honest, trust).trusted()).isTrue();
        var original = StrictJson.read(honest);
        Random random = new Random(11);
        int trustedChanges = 0;
        for (int i = 0; i < 1000; i++) {
            byte[] changed = Arrays.copyOf(honest, honest.length);
            int at = random.nextInt(changed.length);
            changed[at] = (byte) (changed[at] ^ (1 << random.nextInt(7)));
            BundleVerdict verdict = BundleVerifier.verify(changed, trust);
            if (verdict.trusted()) {
                boolean same;
                try {
                    same = StrictJson.read(changed).equals(original);
                } catch (MalformedJsonException e) {
                    same = false;
                }
                if (!same) {
                    trustedChanges++;
                }
            }
        }
        assertThat(trustedChanges).isZero();
    }
}
