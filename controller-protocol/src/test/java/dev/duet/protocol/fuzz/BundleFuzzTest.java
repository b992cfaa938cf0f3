package dev.duet.protocol.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import java.time.Instant;
import java.util.Optional;

/**
 * Bundles whatever the bytes: the verifier returns a verdict and never throws (anything escaping,
 * an OutOfMemoryError included, is a finding), and a verdict with facts has at least one check.
 * Under plain {@code mvn test} it replays its seeds in BundleFuzzTestInputs/ (the honest golden
 * bundles); with {@code -Pfuzz} Jazzer mutates them for the time given (docs/api.md).
 */
class BundleFuzzTest {
    private static final BundleTrust TRUST = new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots(), AttestationVerifier.vendorRoots(),
            AppraisalPolicy.strict(), Optional.of("n1"), Optional.empty(), Instant.parse("2027-06-01T00:00:00Z"));

    @FuzzTest(maxDuration = "2m")
    void bundle(byte[] input) {
        BundleVerdict verdict = BundleVerifier.verify(input, TRUST);
        if (verdict.facts().isPresent() && verdict.checks().isEmpty()) {
            throw new AssertionError("facts without a check");
        }
    }
}
