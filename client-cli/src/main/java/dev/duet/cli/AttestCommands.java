package dev.duet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.azure.AzureEvidence;
import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.azure.HclReport;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.SgxAttributes;
import dev.duet.attestation.intel.TdAttributes;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.PlatformInfo;
import dev.duet.attestation.snp.SigningKey;
import dev.duet.attestation.snp.SimulatedLaunch;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.TcbVersion;
import dev.duet.attestation.x509.SignatureCache;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code duet attest …}: read and verify SEV-SNP reports and TDX/SGX quotes offline. The verbs are
 * here; what they read and fetch is {@link AttestInputs}, how they print evidence
 * {@link EvidenceFields} and verdicts {@link AttestReport}.
 */
@Command(name = "attest", description = "Show or verify hardware evidence (SEV-SNP reports, TDX and SGX quotes, "
        + "Azure HCL reports and vTPM evidence).")
final class AttestCommands {
    private AttestCommands() {}

    @Command(name = "show", description = "Print every field of a report or quote, flag words decoded.")
    static final class Show extends DuetCli.Verb {
        @Parameters(index = "0", paramLabel = "FILE", description = "Raw SNP report, DCAP quote, Azure HCL report, or "
                + "Azure vTPM evidence JSON.")
        Path file;

        @Mixin DuetCli.JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            byte[] bytes = AttestInputs.evidenceBytes(file);
            Optional<AzureAttest.Input> azure = AzureAttest.parse(file, bytes);
            ObjectNode shown = azure.isPresent() ? AzureAttest.show(azure.get()) : hardware(AttestInputs.evidence(file, bytes));
            if (json.json) {
                printJson(shown);
            } else {
                EvidenceFields.printFlat(out(), "", shown);
                out().flush();
            }
            return 0;
        }

        private static ObjectNode hardware(Evidence evidence) {
            ObjectNode shown = JsonNodeFactory.instance.objectNode();
            if (evidence instanceof Evidence.Snp snp) {
                SnpReport report = snp.report();
                ObjectNode fields = (ObjectNode) EvidenceFields.fields(report);
                fields.set("policy", EvidenceFields.fields(report.policy().flags()));
                fields.set("platformInfo", EvidenceFields.fields(PlatformInfo.decode(report.platformInfo())));
                fields.set("signerInfo", EvidenceFields.fields(report.signer()));
                shown.put("kind", "sev-snp report");
                shown.set("report", fields);
                report.productFromCpuid().ifPresent(product -> {
                    shown.put("product", product.kdsName());
                    shown.set("reportedTcbDecoded", EvidenceFields.fields(TcbVersion.decode(report.reportedTcb(), product)));
                });
            } else {
                Evidence.Dcap dcap = (Evidence.Dcap) evidence;
                ObjectNode quote = (ObjectNode) EvidenceFields.fields(dcap.quote());
                ObjectNode body = (ObjectNode) quote.get("body");
                if (dcap.quote().body() instanceof TdReport td) {
                    body.set("tdAttributes", EvidenceFields.fields(TdAttributes.decode(td.tdAttributes())));
                } else {
                    body.set("attributes", EvidenceFields.fields(SgxAttributes.decode(((EnclaveReport) dcap.quote().body()).attributes())));
                }
                ((ObjectNode) quote.get("signature").get("qeReport")).set("attributes",
                        EvidenceFields.fields(SgxAttributes.decode(dcap.quote().signature().qeReport().attributes())));
                shown.put("kind", dcap.quote().tee().wire() + " quote");
                shown.set("quote", quote);
                shown.put("pckChainBytes", dcap.quote().signature().certificationData().length());
            }
            return shown;
        }
    }

    @Command(name = "launch-digest", description = "Print the MEASUREMENT a duet guest image will have under duet's SIMULATED "
            + "SNP, to pin in a policy (snp.measurements). Not AMD's launch digest: see docs/providers.md.")
    static final class LaunchDigest extends DuetCli.Verb {
        @Option(names = "--image", paramLabel = "DIR", description = "Guest image directory (vmlinux, initramfs.cpio).")
        Path image;

        @Option(names = "--kernel", paramLabel = "FILE", description = "Kernel (ELF vmlinux), instead of --image.")
        Path kernel;

        @Option(names = "--initrd", paramLabel = "FILE", description = "Initramfs, instead of --image.")
        Path initrd;

        @Option(names = "--cmdline", description = "Kernel command line (default: duet's guest command line; a plain guest "
                + "under TCG adds the host's tsc_early_khz=, as its cvm.adoption-started entry's image.cmdline shows).")
        String cmdline = SimulatedLaunch.DUET_GUEST_CMDLINE;

        @Mixin DuetCli.JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            Path kernelFile = kernel != null ? kernel : image == null ? null : image.resolve("vmlinux");
            Path initrdFile = initrd != null ? initrd : image == null ? null : image.resolve("initramfs.cpio");
            if (kernelFile == null || initrdFile == null) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "give --image DIR, or --kernel FILE and --initrd FILE");
            }
            String digest = HexFormat.of().formatHex(SimulatedLaunch.digest(AttestInputs.sha384(kernelFile, "kernel"),
                    AttestInputs.sha384(initrdFile, "initramfs"), cmdline));
            if (json.json) {
                ObjectNode node = JsonNodeFactory.instance.objectNode();
                node.put("launchDigest", digest);
                node.put("simulated", true);
                node.put("kernel", kernelFile.toString());
                node.put("initrd", initrdFile.toString());
                node.put("cmdline", cmdline);
                printJson(node);
                return 0;
            }
            out().println(digest);
            out().flush();
            return 0;
        }
    }

    @Command(name = "verify", description = "Verify evidence against the vendor roots, collateral and a policy. "
            + "Exit 0 accepted, 1 rejected (every failed check is listed), 2 unreadable input or an option that does "
            + "not apply to the evidence.")
    static final class Verify extends DuetCli.Verb {
        @Parameters(index = "0", paramLabel = "FILE", description = "Raw SNP report, DCAP quote, or Azure vTPM evidence JSON.")
        Path file;

        @Option(names = "--nonce", paramLabel = "HEX", description = "Azure vTPM evidence: the nonce its TPM quote must "
                + "carry (required for it, refused for other evidence).")
        String nonce;

        @Option(names = "--cert", paramLabel = "FILE", description = "VCEK or VLEK certificate (DER or PEM) for an SNP report.")
        Path cert;

        @Option(names = "--collateral", paramLabel = "PATH", description = "Collateral file or directory "
                + "(.json TCB Info / QE identity / bundles, .der/.crl CRLs, .pem issuer chains); repeatable. Intel's for a "
                + "quote, an AMD ARK's CRL for an SNP report.")
        List<Path> collateral = new ArrayList<>();

        @Option(names = "--policy", paramLabel = "FILE", description = "Appraisal policy (JSON); default: the strict policy.")
        Path policy;

        @Option(names = "--at", paramLabel = "TIME", description = "Verification time, ISO-8601 (default: now).")
        String at;

        @Option(names = "--fetch", description = "Fetch what is missing: the VCEK from AMD KDS (when no --cert), or the "
                + "Intel collateral from PCS (when --collateral has no TCB Info); cached.")
        boolean fetch;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache for --fetch (default: ~/.cache/duet/collateral).")
        Path cache;

        @Option(names = "--simulated-root", paramLabel = "DIR", description = "Trust, explicitly, a duet SIMULATED SNP root "
                + "(ark.der and ask.der in DIR, e.g. DATA_DIR/simulated-snp) instead of AMD's: for checking simulated "
                + "evidence, which proves nothing about hardware.")
        Path simulatedRoot;

        @Option(names = "--kds", hidden = true, description = "AMD KDS base URL (tests).")
        String kds;

        @Option(names = "--pcs", hidden = true, description = "Intel PCS base URL (tests).")
        String pcs;

        @Mixin DuetCli.JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            byte[] bytes = AttestInputs.evidenceBytes(file);
            Optional<AzureAttest.Input> azure = AzureAttest.parse(file, bytes);
            if (azure.isPresent()) {
                return azure(azure.get());
            }
            requireAbsent(nonce, "--nonce applies only to Azure vTPM evidence");
            Evidence evidence = AttestInputs.evidence(file, bytes);
            refuseOptionsThatDoNotApply(evidence);
            Instant when = at == null ? Instant.now() : AttestInputs.time(at);
            AppraisalPolicy appraisal = policy == null ? AppraisalPolicy.strict() : AttestInputs.policy(policy);
            AttestationVerifier verifier = verifier();
            Collateral loaded = AttestInputs.collateral(collateral);
            List<String> unusable = verifier.unusableCollateral(evidence, loaded);
            if (!unusable.isEmpty()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--collateral: " + unusable.get(0)
                        + (unusable.size() > 1 ? " (and " + (unusable.size() - 1) + " more)" : ""));
            }
            if (fetch && evidence instanceof Evidence.Dcap && !loaded.tcbInfos().isEmpty()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--fetch has nothing to fetch: --collateral already gives a "
                        + "TCB Info (drop one of them)");
            }
            Optional<EndorsementCertificate> endorsement = cert == null ? Optional.empty() : Optional.of(AttestInputs.endorsement(cert));
            if (fetch) {
                AttestInputs.Fetch fetcher = new AttestInputs.Fetch(kds, pcs, cache != null ? cache
                        : Path.of(System.getProperty("user.home"), ".cache", "duet", "collateral"));
                if (evidence instanceof Evidence.Snp snp) {
                    endorsement = Optional.of(fetcher.vcek(snp));
                } else {
                    loaded = loaded.plus(fetcher.intel((Evidence.Dcap) evidence));
                }
            }
            Verdict verdict = verifier.verify(evidence, endorsement, loaded, appraisal, when);
            if (json.json) {
                printJson(AttestReport.json(verdict, when));
            } else {
                AttestReport.text(verdict, when, out());
            }
            return verdict.accepted() ? 0 : CliFailure.CHECK_FAILED;
        }

        /**
         * An option the evidence cannot use is an error, not ignored: the user would otherwise believe
         * it took part (a VCEK given with a quote, a simulated root trusted for a quote, a cache never
         * used, a fetch that fetches nothing).
         */
        private void refuseOptionsThatDoNotApply(Evidence evidence) throws CliFailure {
            String kind = file + " is " + (evidence instanceof Evidence.Dcap ? "a " : "an ") + kindName(evidence);
            if (evidence instanceof Evidence.Dcap) {
                requireAbsent(cert, "--cert applies only to an SEV-SNP report; " + kind);
                requireAbsent(simulatedRoot, "--simulated-root applies only to an SEV-SNP report; " + kind);
                requireAbsent(kds, "--kds applies only to an SEV-SNP report; " + kind);
            } else {
                requireAbsent(pcs, "--pcs applies only to a TDX or SGX quote; " + kind);
            }
            if (!fetch) {
                requireAbsent(cache, "--cache applies only with --fetch");
                requireAbsent(kds, "--kds applies only with --fetch");
                requireAbsent(pcs, "--pcs applies only with --fetch");
                return;
            }
            if (evidence instanceof Evidence.Snp snp) {
                requireAbsent(cert, "--fetch has nothing to fetch: --cert gives the VCEK/VLEK (drop one of them)");
                Optional<SigningKey> key = snp.report().signingKey();
                if (key.isEmpty() || key.get() != SigningKey.VCEK) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, "--fetch gets VCEKs only, and " + file + " is signed by "
                            + key.map(k -> k == SigningKey.VLEK ? "a VLEK, which AMD's KDS does not serve publicly: give it "
                                    + "with --cert" : "no key (SIGNING_KEY " + snp.report().signingKeyCode() + ")")
                                    .orElse("an unknown key (SIGNING_KEY " + snp.report().signingKeyCode() + ")"));
                }
            }
        }

        /**
         * Azure evidence carries its own endorsement (the VCEK or the TD quote) and is bound to the
         * nonce; the options that find or replace an endorsement do not apply.
         */
        private Integer azure(AzureAttest.Input input) throws CliFailure {
            if (input.evidence().isEmpty()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, file + " is an HCL report alone; verifying needs the evidence "
                        + "JSON with the vTPM quote and the VCEK or TD quote");
            }
            for (Object option : new Object[] {cert, simulatedRoot, kds, pcs, cache}) {
                requireAbsent(option, "--cert, --simulated-root, --fetch and its options do not apply to Azure vTPM "
                        + "evidence, which carries its VCEK or TD quote");
            }
            requireAbsent(fetch ? Boolean.TRUE : null, "--fetch does not apply to Azure vTPM evidence, which carries its "
                    + "VCEK or TD quote");
            if (nonce == null) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--nonce is required for Azure vTPM evidence: without it a "
                        + "replayed quote would verify");
            }
            Instant when = at == null ? Instant.now() : AttestInputs.time(at);
            AppraisalPolicy appraisal = policy == null ? AppraisalPolicy.strict() : AttestInputs.policy(policy);
            AzureEvidence evidence = input.evidence().get();
            Collateral loaded = AttestInputs.collateral(collateral);
            // Without its TD quote a TDX report has no evidence to judge collateral by: the verdict names the missing quote.
            Optional<Evidence> hardware = evidence.hcl().hardware() instanceof HclReport.Snp snp ? Optional.of(new Evidence.Snp(snp.report()))
                    : evidence.tdQuote().map(Evidence.Dcap::new);
            List<String> unusable = hardware.map(h -> AttestationVerifier.vendorRoots().unusableCollateral(h, loaded)).orElse(List.of());
            if (!unusable.isEmpty()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--collateral: " + unusable.get(0)
                        + (unusable.size() > 1 ? " (and " + (unusable.size() - 1) + " more)" : ""));
            }
            Verdict verdict = AzureVtpmVerifier.vendorRoots().verify(evidence, AzureAttest.nonce(nonce), loaded,
                    appraisal, when);
            if (json.json) {
                printJson(AttestReport.json(verdict, when));
            } else {
                AttestReport.text(verdict, when, out());
            }
            return verdict.accepted() ? 0 : CliFailure.CHECK_FAILED;
        }

        private static void requireAbsent(Object option, String message) throws CliFailure {
            if (option != null) {
                throw new CliFailure(CliFailure.INPUT_ERROR, message);
            }
        }

        private AttestationVerifier verifier() throws CliFailure {
            if (simulatedRoot == null) {
                return AttestationVerifier.vendorRoots();
            }
            X509Certificate ark = AttestInputs.simulatedRootCertificate(simulatedRoot, "ark.der");
            X509Certificate ask = AttestInputs.simulatedRootCertificate(simulatedRoot, "ask.der");
            // With --json, stdout must stay one JSON document; the verdict's evidence names the simulated root there too.
            (json.json ? spec.commandLine().getErr() : out()).println("WARNING: trusting the SIMULATED root in "
                    + simulatedRoot + " instead of AMD's: an accepted verdict proves nothing about hardware");
            return new AttestationVerifier(AmdTrust.explicit("duet SIMULATED SNP root (not hardware, trusted explicitly)",
                    SnpProduct.MILAN, ark, ask, Optional.empty()), IntelTrust.intel(), SignatureCache.create());
        }

        private static String kindName(Evidence evidence) {
            return evidence instanceof Evidence.Dcap dcap ? dcap.quote().tee().wire().toUpperCase(Locale.ROOT) + " quote"
                    : "SEV-SNP report";
        }
    }
}
