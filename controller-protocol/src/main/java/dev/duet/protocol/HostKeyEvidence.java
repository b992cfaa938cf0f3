package dev.duet.protocol;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.SshHostKeyBinding;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.x509.Ecdsa;
import dev.duet.protocol.entry.Payload;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Re-checks, offline, the evidence that bound a controller-created CVM's SSH host key: the report
 * in its {@code cvm.attestation} entry must be signed, bind SHA-512(adopted host key blob ‖ logged
 * nonce) and carry the expected MEASUREMENT. Real evidence must chain to AMD's pinned roots at the
 * time it was checked; simulated evidence has no hardware root to chain to, and the check says so.
 */
public final class HostKeyEvidence {
    static final String ID = "host key attestation";

    private HostKeyEvidence() {}

    public static Check check(Payload.Attestation attestation, Optional<Octets> measurement, String adoptedHostKey,
            Instant checkedAt) {
        try {
            byte[] report = attestation.evidence().toByteArray();
            byte[] endorsement = attestation.endorsement().toByteArray();
            byte[] nonce = attestation.nonce().toByteArray();
            String[] parts = adoptedHostKey.split(" ");
            if (parts.length < 2) {
                return fail("the adopted host key is not an OpenSSH public key line");
            }
            Octets binding = Octets.copyOf(SshHostKeyBinding.reportData(Base64.getDecoder().decode(parts[1]), nonce));
            Evidence evidence = Evidence.parse(report);
            if (!(evidence instanceof Evidence.Snp snp)) {
                return fail("the logged evidence is not an SEV-SNP report");
            }
            EndorsementCertificate vcek = EndorsementCertificate.parse(endorsement);
            if (attestation.simulated()) {
                return simulated(snp.report(), vcek, binding, measurement);
            }
            AppraisalPolicy policy = AppraisalPolicy.strictBinding(binding, measurement);
            Verdict verdict = AttestationVerifier.vendorRoots().verify(evidence, Optional.of(vcek), Collateral.none(), policy,
                    checkedAt);
            return verdict.accepted()
                    ? Check.pass(ID, verdict.evidence() + " verifies against AMD's pinned roots and binds the adopted host key to the logged nonce")
                    : fail(String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
        } catch (MalformedEvidenceException e) {
            return fail("the logged evidence cannot be read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail("the logged evidence cannot be read: the host key is not valid base64");
        }
    }

    /**
     * The logged launch evidence appraised under the user's own trust: {@code vendor}'s roots and
     * {@code policy} (its measurements, TCB, debug), with REPORT_DATA pinned to the binding of the
     * adopted host key and the logged nonce, at the time the controller checked it. Empty when the
     * logged evidence cannot be read; {@link #check} says why.
     */
    public static Optional<Verdict> appraise(Payload.Attestation attestation, String adoptedHostKey, AttestationVerifier vendor,
            AppraisalPolicy policy, Instant checkedAt) {
        try {
            String[] parts = adoptedHostKey.split(" ");
            if (parts.length < 2) {
                return Optional.empty();
            }
            Octets binding = Octets.copyOf(SshHostKeyBinding.reportData(Base64.getDecoder().decode(parts[1]),
                    attestation.nonce().toByteArray()));
            AppraisalPolicy bound = new AppraisalPolicy(policy.evidenceKinds(), policy.allowDebug(), Optional.of(binding), policy.snp(),
                    policy.tdx(), policy.sgx(), policy.tcb());
            Evidence evidence = Evidence.parse(attestation.evidence().toByteArray());
            EndorsementCertificate vcek = EndorsementCertificate.parse(attestation.endorsement().toByteArray());
            return Optional.of(vendor.verify(evidence, Optional.of(vcek), Collateral.none(), bound, checkedAt));
        } catch (MalformedEvidenceException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Check simulated(SnpReport report, EndorsementCertificate vcek, Octets binding, Optional<Octets> measurement) {
        if (!Ecdsa.verify(vcek.certificate().getPublicKey(), report.signedBytes().toByteArray(), report.signatureRs())) {
            return fail("the simulated report is not signed by the VCEK logged with it");
        }
        if (!report.reportData().equals(binding)) {
            return Check.fail(ID, "REPORT_DATA " + binding.hex(), "REPORT_DATA " + report.reportData().hex(),
                    "the report does not bind the adopted host key to the logged nonce");
        }
        if (measurement.isPresent() && !report.measurement().equals(measurement.get())) {
            return Check.fail(ID, "MEASUREMENT " + measurement.get().hex(), "MEASUREMENT " + report.measurement().hex(),
                    "the guest is not the image the launch named");
        }
        return Check.pass(ID, "SIMULATED evidence: signed by the VCEK logged with it and bound to the adopted host key and the logged "
                + "nonce; its root is duet's simulated one, so it proves nothing about hardware");
    }

    private static Check fail(String reason) {
        return Check.fail(ID, reason);
    }
}
