package dev.duet.provisioner.attest;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.x509.SignatureCache;
import java.io.IOException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides whether the host key a guest presented in the SSH handshake is the one its attestation
 * binds: the report must verify (chain, signature, the strict policy with MEASUREMENT pinned to the
 * expected launch digest) and its REPORT_DATA must equal SHA-512(presented key blob ‖ nonce).
 * Only then may the key be pinned.
 */
public final class HostKeyAttestation {
    private HostKeyAttestation() {}

    public static Verdict verify(AmdTrust trust, EvidenceSource.Attested evidence, PublicKey presented, byte[] nonce,
            Optional<byte[]> expectedMeasurement, Instant at) throws IOException {
        return verify(trust, evidence, Octets.copyOf(HostKeyBinding.reportData(presented, nonce)), expectedMeasurement, at);
    }

    /**
     * The same appraisal for a report that must carry {@code reportData} exactly (a fresh report,
     * {@link dev.duet.attestation.CvmFreshBinding}).
     */
    public static Verdict verify(AmdTrust trust, EvidenceSource.Attested evidence, Octets reportData, Optional<byte[]> expectedMeasurement,
            Instant at) throws IOException {
        AppraisalPolicy policy = AppraisalPolicy.strictBinding(reportData, expectedMeasurement.map(Octets::copyOf));
        try {
            return new AttestationVerifier(trust, IntelTrust.intel(), SignatureCache.none()).verify(
                    Evidence.parse(evidence.report()), Optional.of(EndorsementCertificate.parse(evidence.endorsement())),
                    Collateral.none(), policy, at);
        } catch (MalformedEvidenceException e) {
            throw new IOException("the guest's evidence is malformed: " + e.getMessage(), e);
        }
    }
}
