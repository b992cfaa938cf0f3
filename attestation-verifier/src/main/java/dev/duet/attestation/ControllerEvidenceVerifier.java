package dev.duet.attestation;

import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.QuoteBody;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.attestation.snp.SigningKey;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.SignatureCache;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a controller's evidence attests its signing key (DESIGN §3, guarantee 1): the
 * report verifies through {@link AttestationVerifier} (signature, chain to the roots the user
 * trusts, the strict policy) and its REPORT_DATA is the {@link ControllerKeyBinding} of the key and
 * nonce the signed document names. Fails closed: a controller without a TEE, a TEE kind without a
 * report and simulated evidence the user did not choose to trust are
 * {@link ControllerEvidenceVerdict.NotAttested}. Pure: the caller gives every byte,
 * the trust and the time.
 */
public final class ControllerEvidenceVerifier {
    /** The root named in verdicts on simulated evidence. */
    public static final String SIMULATED_ROOT = "duet SIMULATED SNP root (not hardware)";
    public static final String SIMULATED_CHECK = "controller.simulated-root";
    public static final String REPORT_CHECK = "controller.report";
    public static final String MEASUREMENT_CHECK = "controller.measurement";

    private ControllerEvidenceVerifier() {}

    /**
     * What the user trusts: the vendor roots (AMD's and Intel's pinned keys), the controller builds
     * (SNP MEASUREMENT or TDX MRTD) the user accepts, and, only when the user names it by its
     * fingerprint, duet's simulated SNP root, whose reports prove nothing about hardware.
     * {@code simulatedArk} is the SHA-256 of the simulated ARK's DER; a chain under any other root
     * is not the simulated chip the user saw, whatever the document says.
     */
    public record Trust(AttestationVerifier vendor, Optional<Octets> simulatedArk, Set<Octets> measurements,
            AppraisalPolicy.MinimumTcb minimumTcb, Optional<Octets> minimumTeeTcbSvn) {
        public Trust {
            measurements = Set.copyOf(measurements);
            Objects.requireNonNull(minimumTcb, "minimumTcb");
            Objects.requireNonNull(minimumTeeTcbSvn, "minimumTeeTcbSvn");
        }

        /** No minimum TCB beyond the strict policy's: what a user who pins none accepts. */
        public Trust(AttestationVerifier vendor, Optional<Octets> simulatedArk, Set<Octets> measurements) {
            this(vendor, simulatedArk, measurements, AppraisalPolicy.MinimumTcb.NONE, Optional.empty());
        }

        public static Trust vendorRoots() {
            return new Trust(AttestationVerifier.vendorRoots(), Optional.empty(), Set.of());
        }

        public Trust trustingSimulatedRoot(Octets arkFingerprint) {
            return new Trust(vendor, Optional.of(arkFingerprint), measurements, minimumTcb, minimumTeeTcbSvn);
        }

        public Trust acceptingMeasurements(Set<Octets> accepted) {
            return new Trust(vendor, simulatedArk, accepted, minimumTcb, minimumTeeTcbSvn);
        }

        /**
         * The oldest firmware the user accepts under a controller: SEV-SNP's REPORTED_TCB parts and
         * TDX's TEE_TCB_SVN, in the appraisal policy's own terms, so a deployment policy states them
         * once for the controller as it does for a CVM.
         */
        public Trust requiringMinimumTcb(AppraisalPolicy.MinimumTcb snp, Optional<Octets> teeTcbSvn) {
            return new Trust(vendor, simulatedArk, measurements, snp, teeTcbSvn);
        }
    }

    /**
     * The hardware part of a controller's evidence as its document carries it: the report (an SNP
     * report or a TDX quote), the certificates that came with it (an SEV certificate table; empty for
     * a TDX quote, which carries its own), and whether it came from duet's simulated chip.
     */
    public record Report(String provider, boolean simulated, Octets report, Octets certificates) {}

    public static ControllerEvidenceVerdict verify(TeeKind tee, Optional<Report> report, Octets expectedReportData, Trust trust,
            Instant at) {
        if (tee == TeeKind.NONE) {
            return new ControllerEvidenceVerdict.NotAttested(tee, List.of(),
                    "the controller runs without a TEE (tee: none): nothing vouches for its signing key");
        }
        if (report.isEmpty()) {
            return new ControllerEvidenceVerdict.NotAttested(tee, List.of(),
                    "the evidence claims " + tee.wire() + " but carries no report: nothing vouches for its signing key");
        }
        List<Check> checks = new ArrayList<>();
        Evidence evidence;
        Optional<EndorsementCertificate> endorsement = Optional.empty();
        Optional<SevCertificateTable> table = Optional.empty();
        try {
            evidence = Evidence.parse(report.get().report().toByteArray());
            TeeKind kind = evidence instanceof Evidence.Snp ? TeeKind.SEV_SNP : ((Evidence.Dcap) evidence).quote().tee();
            if (kind != tee) {
                return notAttested(tee, List.of(Check.fail(REPORT_CHECK, tee.wire(), kind.wire(),
                        "the report is not of the TEE kind the evidence names")));
            }
            if (evidence instanceof Evidence.Snp snp) {
                if (report.get().certificates().length() == 0) {
                    return notAttested(tee, List.of(Check.fail(REPORT_CHECK, "a certificate table with the report's VCEK or VLEK",
                            "no certificates", "the host supplied no VCEK/VLEK certificate (configfs-tsm's auxblob is empty): an SNP "
                                    + "report can only be checked with the certificate of the key that signed it")));
                }
                table = Optional.of(SevCertificateTable.parse(report.get().certificates()));
                String signer = snp.report().signingKey().map(SigningKey::name).orElse("reserved (" + snp.report().signingKeyCode() + ")");
                Optional<Octets> der = snp.report().signingKey().flatMap(table.get()::endorsement);
                if (der.isEmpty()) {
                    return notAttested(tee, List.of(Check.fail(REPORT_CHECK, "the " + signer + " the report's SIGNING_KEY names, in the "
                            + "certificate table", "none", "an SNP report can only be checked with the certificate of the key that "
                                    + "signed it")));
                }
                endorsement = Optional.of(EndorsementCertificate.parse(der.get().toByteArray()));
            }
        } catch (MalformedEvidenceException e) {
            return notAttested(tee, List.of(Check.fail(REPORT_CHECK, "the report cannot be read: " + e.getMessage())));
        }
        checks.add(Check.pass(REPORT_CHECK, "a " + tee.wire() + " report" + (report.get().simulated() ? " from duet's SIMULATED chip" : "")
                + ", from " + report.get().provider()));
        AttestationVerifier verifier = trust.vendor();
        if (report.get().simulated()) {
            Optional<SimulatedRoot> simulatedRoot = simulatedRoot(table, evidence);
            if (simulatedRoot.isEmpty()) {
                checks.add(Check.fail(SIMULATED_CHECK, "the simulated ARK and ASK in the certificate table", "none or unreadable",
                        "SIMULATED evidence without the simulated root it chains to"));
                return notAttested(tee, checks);
            }
            String carried = simulatedRoot.get().fingerprint().hex();
            boolean trusted = trust.simulatedArk().map(simulatedRoot.get().fingerprint()::equals).orElse(false);
            checks.add(Check.of(trusted, SIMULATED_CHECK, trust.simulatedArk().map(f -> "the simulated ARK with SHA-256 " + f.hex())
                    .orElse("a root the user trusts"), SIMULATED_ROOT + ", ARK SHA-256 " + carried,
                    trusted ? "SIMULATED: trusted only because the user named its fingerprint; it proves nothing about hardware"
                            : trust.simulatedArk().isPresent() ? "SIMULATED evidence under another root than the simulated one the user "
                                    + "named: anyone can make such a chain"
                                    : "SIMULATED evidence: its root is a simulated one, trusted only when the user names the ARK "
                                            + "fingerprint the controller printed at start-up"));
            verifier = new AttestationVerifier(simulatedRoot.get().trust(), IntelTrust.intel(), SignatureCache.none());
        }
        Verdict verdict = verifier.verify(evidence, endorsement, Collateral.none(), policy(expectedReportData, trust), at);
        checks.addAll(verdict.checks());
        if (!report.get().simulated() && trust.measurements().isEmpty()) {
            String measurement = measurement(evidence);
            checks.add(Check.fail(MEASUREMENT_CHECK, "a controller " + measurementName(tee) + " the user pinned",
                    measurement, "no controller measurement is pinned, so any software in a genuine " + tee.wire() + " guest would "
                            + "pass; if this is your controller build, pass --controller-measurement " + measurement));
        }
        if (checks.stream().allMatch(Check::passed)) {
            return new ControllerEvidenceVerdict.Attested(tee, report.get().simulated(), checks,
                    (report.get().simulated() ? "SIMULATED (proves nothing about hardware): " : "") + verdict.evidence()
                            + " binds the controller's signing key and this evidence's nonce");
        }
        return notAttested(tee, checks);
    }

    /** The SNP MEASUREMENT, TDX MRTD or SGX MRENCLAVE: the digest of the software the hardware launched. */
    private static String measurement(Evidence evidence) {
        if (evidence instanceof Evidence.Snp snp) {
            return snp.report().measurement().hex();
        }
        QuoteBody body = ((Evidence.Dcap) evidence).quote().body();
        return body instanceof TdReport td ? td.mrTd().hex() : ((EnclaveReport) body).mrEnclave().hex();
    }

    private static String measurementName(TeeKind tee) {
        return switch (tee) {
            case TDX -> "MRTD";
            case SGX -> "MRENCLAVE";
            default -> "MEASUREMENT";
        };
    }

    /**
     * The strict policy, any TEE kind, with REPORT_DATA pinned to the key binding, and the controller
     * builds and minimum TCB the user accepts as the SNP MEASUREMENT, TDX MRTD and SGX MRENCLAVE
     * allow-lists and minimums (an SGX quote from Gramine goes through the same DCAP path as a TDX quote).
     */
    private static AppraisalPolicy policy(Octets reportData, Trust trust) {
        AppraisalPolicy strict = AppraisalPolicy.strict();
        AppraisalPolicy.Snp snp = strict.snp();
        AppraisalPolicy.Tdx tdx = strict.tdx();
        AppraisalPolicy.Sgx sgx = strict.sgx();
        return new AppraisalPolicy(Set.of(TeeKind.SEV_SNP, TeeKind.TDX, TeeKind.SGX), false, Optional.of(reportData),
                new AppraisalPolicy.Snp(trust.measurements(), snp.hostData(), snp.vmpl(), snp.minimumGuestSvn(), trust.minimumTcb(),
                        snp.signingKeys()),
                new AppraisalPolicy.Tdx(trust.measurements(), tdx.rtmrs(), tdx.mrConfigId(), trust.minimumTeeTcbSvn()),
                new AppraisalPolicy.Sgx(trust.measurements(), sgx.mrSigner(), sgx.isvProdId(), sgx.minimumIsvSvn()), strict.tcb());
    }

    private record SimulatedRoot(AmdTrust trust, Octets fingerprint) {}

    /**
     * The verifier for evidence from duet's simulated chip, under the simulated root a controller
     * report's certificate table carries, only when that report is simulated and its ARK is the one
     * the user named ({@link Trust#simulatedArk}): the controller and the QEMU guests it launches
     * share one simulated chip, so a CVM's simulated launch report chains to the same root. Empty
     * otherwise: a simulated chain is trusted by nothing else.
     */
    public static Optional<AttestationVerifier> simulatedChip(Report report, Trust trust) {
        if (!report.simulated() || trust.simulatedArk().isEmpty()) {
            return Optional.empty();
        }
        try {
            Evidence evidence = Evidence.parse(report.report().toByteArray());
            Optional<SimulatedRoot> root = simulatedRoot(Optional.of(SevCertificateTable.parse(report.certificates())), evidence);
            return root.filter(r -> r.fingerprint().equals(trust.simulatedArk().get()))
                    .map(r -> new AttestationVerifier(r.trust(), IntelTrust.intel(), SignatureCache.none()));
        } catch (MalformedEvidenceException e) {
            return Optional.empty();
        }
    }

    /** The ARK and ASK the simulated chip put in its table, as an explicit root for the report's product line. */
    private static Optional<SimulatedRoot> simulatedRoot(Optional<SevCertificateTable> table, Evidence evidence) {
        if (table.isEmpty() || !(evidence instanceof Evidence.Snp snp)) {
            return Optional.empty();
        }
        Optional<Octets> arkDer = table.get().find(SevCertificateTable.ARK);
        Optional<X509Certificate> ark = arkDer.flatMap(ControllerEvidenceVerifier::certificate);
        Optional<X509Certificate> ask = table.get().find(SevCertificateTable.ASK).flatMap(ControllerEvidenceVerifier::certificate);
        if (ark.isEmpty() || ask.isEmpty()) {
            return Optional.empty();
        }
        SnpProduct product = snp.report().productFromCpuid().orElse(SnpProduct.MILAN);
        return Optional.of(new SimulatedRoot(AmdTrust.explicit(SIMULATED_ROOT, product, ark.get(), ask.get(), Optional.empty()),
                fingerprint(arkDer.get())));
    }

    /** The SHA-256 of a certificate's DER, as the simulated chip prints its ARK's. */
    public static Octets fingerprint(Octets der) {
        try {
            return Octets.copyOf(java.security.MessageDigest.getInstance("SHA-256").digest(der.toByteArray()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static Optional<X509Certificate> certificate(Octets der) {
        try {
            return Optional.of(Certificates.parse(der.toByteArray(), "simulated root certificate"));
        } catch (MalformedEvidenceException e) {
            return Optional.empty();
        }
    }

    private static ControllerEvidenceVerdict notAttested(TeeKind tee, List<Check> checks) {
        String reason = checks.stream().filter(c -> !c.passed()).map(c -> c.id() + ": " + c.detail()).findFirst()
                .orElse("the evidence does not attest the key");
        return new ControllerEvidenceVerdict.NotAttested(tee, checks, reason);
    }
}
