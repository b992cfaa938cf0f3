package dev.duet.protocol;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.SshHostKeyBinding;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.azure.AzureEvidence;
import dev.duet.attestation.azure.AzureEvidenceParser;
import dev.duet.attestation.azure.AzureVmIdentity;
import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.azure.HclReport;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.Ecdsa;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.log.LogEntry;
import dev.duet.protocol.entry.Payload;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Re-checks, offline, the evidence that bound a controller-created CVM's SSH host key: the report
 * in its {@code cvm.attestation} entry must be signed, bind SHA-512(adopted host key blob ‖ logged
 * nonce) and carry the expected MEASUREMENT; Azure vTPM evidence must bind the key through its quote
 * instead ({@link VtpmHostKeyBinding}). Real evidence must chain to AMD's pinned roots (or, for an
 * Azure TDX VM, Intel's) at the time it was checked; simulated evidence has no hardware root to chain
 * to, and the check says so.
 * The fresh report a switch to in-service logged is checked the same way, bound instead to the
 * adopted host key, its nonce and the CVM's log head just before the switch ({@link CvmFreshBinding}).
 */
public final class HostKeyEvidence {
    static final String ID = "host key attestation";
    static final String RE_ATTESTATION_ID = "in-service attestation";

    private HostKeyEvidence() {}

    public static Check check(Payload.Attestation attestation, Optional<Octets> measurement, String adoptedHostKey,
            Instant checkedAt) {
        Optional<byte[]> blob = blob(adoptedHostKey);
        if (blob.isEmpty()) {
            return fail(ID, "the adopted host key is not an OpenSSH public key line");
        }
        if (VtpmHostKeyBinding.isVtpm(attestation.evidenceSource())) {
            if (measurement.isPresent()) {
                return azureWithMeasurement(ID, measurement.get());
            }
            return azure(ID, attestation.simulated(), attestation.evidence(), attestation.vmId(), VtpmHostKeyBinding.nonce(blob.get(),
                    attestation.nonce().toByteArray()), checkedAt, "the adopted host key to the logged nonce through the vTPM quote");
        }
        Octets binding = Octets.copyOf(SshHostKeyBinding.reportData(blob.get(), attestation.nonce().toByteArray()));
        return appraise(ID, attestation.simulated(), attestation.evidence(), attestation.endorsement(), binding, measurement, checkedAt,
                "the adopted host key to the logged nonce");
    }

    /**
     * A launch that named the guest's MEASUREMENT (a QEMU guest's image) is not vouched for by Azure
     * vTPM evidence, whose MEASUREMENT is the paravisor's: accepting it would drop the image check.
     */
    private static Check azureWithMeasurement(String id, Octets measurement) {
        return Check.fail(id, "MEASUREMENT " + measurement.hex(), "Azure vTPM evidence", "the launch named the guest's MEASUREMENT, "
                + "which Azure vTPM evidence does not carry (its MEASUREMENT is the paravisor's)");
    }

    /**
     * Azure vTPM evidence (the evidence JSON, {@link VtpmHostKeyBinding}): the quote must carry
     * {@code quoteNonce} (at launch SHA-256(adopted host key blob ‖ logged nonce), for a fresh report
     * {@link CvmFreshBinding#vtpmQualifyingData}), signed by the attestation key the HCL's claims
     * name, the claims bound by an SNP report the HCL made or a TD report its TD quote carries. Real
     * evidence must chain to AMD's or Intel's pinned roots under the controller's Azure policy
     * ({@link VtpmHostKeyBinding#policy()}: MEASUREMENT and MRTD, the paravisor's, are not pinned), a TD
     * quote against the collateral logged inside the evidence; simulated evidence has no vendor root
     * to chain to, so an SNP report is checked against the VCEK in the JSON, a TD quote under the root
     * its own PCK chain ends in, and the check says it proves nothing about hardware.
     */
    private static Check azure(String id, boolean simulated, Octets json, Optional<String> vmId, Octets quoteNonce, Instant checkedAt,
            String binds) {
        AzureEvidence evidence;
        try {
            evidence = AzureEvidenceParser.parseJson(json.toByteArray());
        } catch (MalformedEvidenceException e) {
            return fail(id, "the logged Azure vTPM evidence cannot be read: " + e.getMessage());
        }
        // Genuine evidence of any other Azure VM binds a relay's key as well: it must name the VM the controller created.
        if (vmId.isEmpty()) {
            return fail(id, "the attestation names no Azure VM id for the evidence to be checked against");
        }
        Check sameVm = AzureVmIdentity.check(evidence, vmId.get());
        if (!sameVm.passed()) {
            return new Check(id, false, sameVm.expected(), sameVm.actual(), sameVm.reason());
        }
        if (!simulated) {
            Verdict verdict = AzureVtpmVerifier.vendorRoots().verify(evidence, quoteNonce, Collateral.none(), VtpmHostKeyBinding.policy(),
                    checkedAt);
            return verdict.accepted()
                    ? Check.pass(id, verdict.evidence() + " verifies against " + (verdict.kind() == TeeKind.TDX ? "Intel's pinned root"
                            : "AMD's pinned roots") + " and binds " + binds)
                    : fail(id, String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
        }
        if (evidence.hcl().hardware() instanceof HclReport.Tdx) {
            return simulatedTdx(id, evidence, quoteNonce, checkedAt, binds);
        }
        if (!(evidence.hcl().hardware() instanceof HclReport.Snp snp) || evidence.vcek().isEmpty()) {
            return fail(id, "the simulated Azure evidence is not an SNP HCL report with its VCEK");
        }
        SnpReport report = snp.report();
        if (!Ecdsa.verify(evidence.vcek().get().certificate().getPublicKey(), report.signedBytes().toByteArray(), report.signatureRs())) {
            return fail(id, "the simulated HCL report is not signed by the VCEK logged with it");
        }
        List<Check> failed = AzureVtpmVerifier.bindings(evidence, quoteNonce).stream().filter(c -> !c.passed()).toList();
        if (!failed.isEmpty()) {
            return fail(id, String.join("; ", failed.stream().map(Check::describe).toList()));
        }
        return Check.pass(id, "SIMULATED Azure vTPM evidence: its HCL report is signed by the VCEK logged with it, binds the claims "
                + "whose attestation key signed the quote, and binds " + binds + "; its root is duet's simulated one, so it proves "
                + "nothing about hardware");
    }

    /**
     * Simulated TDX evidence: its TD quote verified, with the collateral logged inside it, under the
     * root the quote's own PCK chain ends in, which is all a simulated chain has; so it shows the
     * evidence is whole and binds the key, and nothing about hardware.
     */
    private static Check simulatedTdx(String id, AzureEvidence evidence, Octets quoteNonce, Instant checkedAt, String binds) {
        if (evidence.tdQuote().isEmpty()) {
            return fail(id, "the simulated Azure TDX evidence has no TD quote");
        }
        List<X509Certificate> chain;
        try {
            chain = Certificates.parsePemChain(evidence.tdQuote().get().signature().pemChain(), "PCK chain");
        } catch (MalformedEvidenceException e) {
            return fail(id, "the simulated TD quote's PCK chain cannot be read: " + e.getMessage());
        }
        if (chain.isEmpty()) {
            return fail(id, "the simulated TD quote carries no PCK chain");
        }
        IntelTrust own = IntelTrust.explicit("the simulated TD quote's own root", chain.get(chain.size() - 1), List.of());
        Verdict verdict = new AzureVtpmVerifier(AmdTrust.amd(), own, SignatureCache.none()).verify(evidence, quoteNonce, Collateral.none(),
                VtpmHostKeyBinding.policy(), checkedAt);
        return verdict.accepted()
                ? Check.pass(id, "SIMULATED Azure TDX evidence: its TD quote verifies, with the collateral logged with it, under the "
                        + "root its own PCK chain ends in, carries the TD report that binds the claims whose attestation key signed the "
                        + "quote, and binds " + binds + "; that root is not Intel's, so it proves nothing about hardware")
                : fail(id, String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
    }

    /**
     * The re-attestation logged with a switch to in-service at {@code entry} ({@code position} entries
     * of the CVM before it): it must cover exactly the head just before the switch (that many entries,
     * the last the one {@code entry} chains to) and its report must bind the adopted host key, the
     * logged nonce and that head ({@link CvmFreshBinding}), signed as {@link #check} requires.
     */
    static Check reAttestation(LogEntry entry, long position, Payload.ReAttestation.Fresh fresh, Optional<Octets> measurement,
            Optional<String> launchedVmId, String adoptedHostKey) {
        String id = RE_ATTESTATION_ID;
        String where = "entry " + entry.seq() + ": ";
        Octets before = Octets.copyOf(entry.subjectPrev().orElseThrow().toByteArray());
        if (fresh.logSize() != position || !fresh.logHead().equals(before)) {
            return Check.fail(id, "head " + position + "/" + before.hex(), "head " + fresh.logSize() + "/" + fresh.logHead().hex(),
                    where + "the re-attestation does not cover the log head just before the switch");
        }
        Optional<byte[]> blob = blob(adoptedHostKey);
        if (blob.isEmpty()) {
            return fail(id, "the adopted host key is not an OpenSSH public key line");
        }
        CvmFreshBinding.LogHead head = new CvmFreshBinding.LogHead(fresh.logSize(), fresh.logHead());
        Check bound = CvmFreshBinding.verify(fresh.evidence(), blob.get(), fresh.nonce(), head);
        if (!bound.passed()) {
            return new Check(id, false, bound.expected(), bound.actual(), where + bound.reason());
        }
        String binds = "the adopted host key, the logged nonce and the log head before the switch";
        if (VtpmHostKeyBinding.isVtpm(fresh.evidenceSource()) && measurement.isPresent()) {
            return azureWithMeasurement(id, measurement.get());
        }
        Check appraised = VtpmHostKeyBinding.isVtpm(fresh.evidenceSource())
                ? azure(id, fresh.simulated(), fresh.evidence(), launchedVmId, CvmFreshBinding.vtpmQualifyingData(blob.get(), fresh.nonce(),
                        head), entry.time(), binds)
                : appraise(id, fresh.simulated(), fresh.evidence(), fresh.endorsement(), CvmFreshBinding.reportData(blob.get(), fresh.nonce(),
                        head), measurement, entry.time(), binds);
        return appraised.passed() ? Check.pass(id, where + appraised.reason()) : new Check(id, false, appraised.expected(),
                appraised.actual(), where + appraised.reason());
    }

    private static Optional<byte[]> blob(String hostKeyLine) {
        String[] parts = hostKeyLine.split(" ");
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(Base64.getDecoder().decode(parts[1]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The report is signed (under AMD's roots, or by the logged VCEK when simulated), carries {@code binding} and the measurement. */
    private static Check appraise(String id, boolean simulated, Octets report, Octets endorsement, Octets binding,
            Optional<Octets> measurement, Instant checkedAt, String binds) {
        try {
            Evidence evidence = Evidence.parse(report.toByteArray());
            if (!(evidence instanceof Evidence.Snp snp)) {
                return fail(id, "the logged evidence is not an SEV-SNP report");
            }
            EndorsementCertificate vcek = EndorsementCertificate.parse(endorsement.toByteArray());
            if (simulated) {
                return simulated(id, snp.report(), vcek, binding, measurement, binds);
            }
            AppraisalPolicy policy = AppraisalPolicy.strictBinding(binding, measurement);
            Verdict verdict = AttestationVerifier.vendorRoots().verify(evidence, Optional.of(vcek), Collateral.none(), policy,
                    checkedAt);
            return verdict.accepted()
                    ? Check.pass(id, verdict.evidence() + " verifies against AMD's pinned roots and binds " + binds)
                    : fail(id, String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
        } catch (MalformedEvidenceException e) {
            return fail(id, "the logged evidence cannot be read: " + e.getMessage());
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
        if (VtpmHostKeyBinding.isVtpm(attestation.evidenceSource())) {
            return blob(adoptedHostKey).flatMap(b -> azure(vendor, attestation.evidence(), VtpmHostKeyBinding.nonce(b,
                    attestation.nonce().toByteArray()), policy, checkedAt));
        }
        return blob(adoptedHostKey).flatMap(b -> appraise(Octets.copyOf(SshHostKeyBinding.reportData(b, attestation.nonce().toByteArray())),
                attestation.evidence(), attestation.endorsement(), vendor, policy, checkedAt));
    }

    /**
     * A bundle's fresh report appraised as {@link #appraise(Payload.Attestation, String, AttestationVerifier, AppraisalPolicy, Instant)}
     * appraises the launch, with REPORT_DATA pinned to the {@link CvmFreshBinding} of {@code hostKey},
     * {@code nonce} and {@code head}: the values the user asked with and the verified history gives,
     * never the ones the report's document claims. Empty when the report cannot be read.
     */
    public static Optional<Verdict> appraiseFresh(FreshCvmEvidence fresh, String hostKey, String nonce, CvmFreshBinding.LogHead head,
            AttestationVerifier vendor, AppraisalPolicy policy, Instant checkedAt) {
        if (VtpmHostKeyBinding.isVtpm(fresh.source())) {
            return blob(hostKey).flatMap(b -> azure(vendor, fresh.evidence(), CvmFreshBinding.vtpmQualifyingData(b, nonce, head), policy,
                    checkedAt));
        }
        return blob(hostKey).flatMap(b -> appraise(CvmFreshBinding.reportData(b, nonce, head), fresh.evidence(), fresh.endorsement(), vendor,
                policy, checkedAt));
    }

    private static Optional<Verdict> appraise(Octets binding, Octets report, Octets endorsement, AttestationVerifier vendor,
            AppraisalPolicy policy, Instant checkedAt) {
        try {
            AppraisalPolicy bound = new AppraisalPolicy(policy.evidenceKinds(), policy.allowDebug(), Optional.of(binding), policy.snp(),
                    policy.tdx(), policy.sgx(), policy.tcb());
            Evidence evidence = Evidence.parse(report.toByteArray());
            EndorsementCertificate vcek = EndorsementCertificate.parse(endorsement.toByteArray());
            return Optional.of(vendor.verify(evidence, Optional.of(vcek), Collateral.none(), bound, checkedAt));
        } catch (MalformedEvidenceException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Azure evidence JSON under the user's roots and policy as given (its SNP measurements, if any, are then the paravisor's). */
    private static Optional<Verdict> azure(AttestationVerifier vendor, Octets json, Octets quoteNonce, AppraisalPolicy policy,
            Instant checkedAt) {
        try {
            return Optional.of(vendor.azureVtpm().verify(AzureEvidenceParser.parseJson(json.toByteArray()), quoteNonce, Collateral.none(),
                    policy, checkedAt));
        } catch (MalformedEvidenceException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether fresh Azure vTPM evidence comes from the VM the launch's attestation names: any Azure
     * VM can quote the fresh binding, which is built from public values. Empty for other evidence.
     */
    public static Optional<Check> sameAzureVm(Payload.Attestation launch, String freshSource, Octets freshEvidence) {
        if (!VtpmHostKeyBinding.isVtpm(freshSource) && !VtpmHostKeyBinding.isVtpm(launch.evidenceSource())) {
            return Optional.empty();
        }
        String id = "cvm.fresh.same-vm";
        if (!VtpmHostKeyBinding.isVtpm(freshSource) || launch.vmId().isEmpty()) {
            return Optional.of(fail(id, "the fresh evidence and the launch's are not both Azure vTPM evidence naming a VM"));
        }
        try {
            AzureEvidence fresh = AzureEvidenceParser.parseJson(freshEvidence.toByteArray());
            AzureEvidence launched = AzureEvidenceParser.parseJson(launch.evidence().toByteArray());
            if (fresh.hcl().hardware().getClass() != launched.hcl().hardware().getClass()) {
                return Optional.of(Check.fail(id, launched.hcl().hardware().name(), fresh.hcl().hardware().name(),
                        "the fresh evidence is of another TEE than the launch's, so it is not the adopted VM's"));
            }
            Check same = AzureVmIdentity.check(fresh, launch.vmId().get());
            return Optional.of(new Check(id, same.passed(), same.expected(), same.actual(), same.passed()
                    ? "the VM answering now is the one adopted (" + same.reason() + ")" : same.reason()));
        } catch (MalformedEvidenceException e) {
            return Optional.of(fail(id, "the fresh or the launch's Azure vTPM evidence cannot be read: " + e.getMessage()));
        }
    }

    /** The MEASUREMENT of an SEV-SNP report; empty for other or unreadable evidence. */
    public static Optional<Octets> measurement(Octets report) {
        try {
            return Evidence.parse(report.toByteArray()) instanceof Evidence.Snp snp ? Optional.of(snp.report().measurement()) : Optional.empty();
        } catch (MalformedEvidenceException e) {
            return Optional.empty();
        }
    }

    private static Check simulated(String id, SnpReport report, EndorsementCertificate vcek, Octets binding, Optional<Octets> measurement,
            String binds) {
        if (!Ecdsa.verify(vcek.certificate().getPublicKey(), report.signedBytes().toByteArray(), report.signatureRs())) {
            return fail(id, "the simulated report is not signed by the VCEK logged with it");
        }
        if (!report.reportData().equals(binding)) {
            return Check.fail(id, "REPORT_DATA " + binding.hex(), "REPORT_DATA " + report.reportData().hex(),
                    "the report does not bind " + binds);
        }
        if (measurement.isPresent() && !report.measurement().equals(measurement.get())) {
            return Check.fail(id, "MEASUREMENT " + measurement.get().hex(), "MEASUREMENT " + report.measurement().hex(),
                    "the guest is not the image the launch named");
        }
        return Check.pass(id, "SIMULATED evidence: signed by the VCEK logged with it, it binds " + binds
                + "; its root is duet's simulated one, so it proves nothing about hardware");
    }

    private static Check fail(String id, String reason) {
        return Check.fail(id, reason);
    }
}
