package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.LevelMatch;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.collateral.TcbStatus;
import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.intel.SgxAttributes;
import dev.duet.attestation.intel.TdAttributes;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.PolicyException;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.PlatformInfo;
import dev.duet.attestation.snp.SigningKey;
import dev.duet.attestation.snp.SimulatedLaunch;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.TcbVersion;
import dev.duet.attestation.source.CollateralFetcher;
import dev.duet.attestation.source.CollateralFiles;
import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.SignatureCache;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code duet attest …}: read and verify SEV-SNP reports and TDX/SGX quotes offline. Every file is
 * read through {@link InputFiles} or {@link CollateralFiles}: regular files only, bounded.
 */
@Command(name = "attest", description = "Show or verify hardware evidence (SEV-SNP reports, TDX and SGX quotes).",
        subcommands = {AttestCommands.Show.class, AttestCommands.Verify.class, AttestCommands.LaunchDigest.class})
final class AttestCommands {
    /** Bulky or binary parts that {@code show} summarises instead of printing, as Record.component. */
    private static final Set<String> HIDDEN = Set.of("SnpReport.signedBytes", "Quote.signedBytes", "EnclaveReport.raw",
            "QuoteSignature.certificationData");
    /** A guest kernel or initramfs is tens of MiB; this bounds the hashing of anything else given by mistake. */
    private static final long IMAGE_LIMIT = 1L << 30;
    /** How a TDX/SGX part that is below every TCB level Intel lists is named in JSON (Intel has no status for it). */
    private static final String NO_MATCHING_LEVEL = "NoMatchingTcbLevel";

    private AttestCommands() {}

    static Evidence read(Path file) throws CliFailure {
        byte[] bytes = InputFiles.read(file, InputFiles.SMALL, "evidence");
        try {
            return Evidence.parse(bytes);
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, file + ": " + e.getMessage());
        }
    }

    /**
     * Every component of a record, recursively, in declaration order, with bytes as hex, flag words
     * ({@code raw}) and TCB words as 0x-hex, and empty optionals left out. Collections are printed in
     * their own order: every one shown is a list, so the same input gives the same bytes.
     */
    static JsonNode fields(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value instanceof Record record) {
            ObjectNode object = nodes.objectNode();
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                if (HIDDEN.contains(record.getClass().getSimpleName() + "." + component.getName())) {
                    continue;
                }
                try {
                    Object raw = component.getAccessor().invoke(record);
                    boolean word = component.getName().endsWith("Tcb") || component.getName().equals("raw");
                    JsonNode field = raw instanceof Long number && word
                            ? nodes.textNode(String.format("0x%016x", number)) : fields(raw);
                    if (field != null) {
                        object.set(component.getName(), field);
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return object;
        }
        if (value instanceof Optional<?> optional) {
            return optional.map(AttestCommands::fields).orElse(null);
        }
        if (value instanceof OptionalInt optional) {
            return optional.isPresent() ? nodes.numberNode(optional.getAsInt()) : null;
        }
        if (value instanceof OptionalLong optional) {
            return optional.isPresent() ? nodes.numberNode(optional.getAsLong()) : null;
        }
        if (value instanceof Collection<?> collection) {
            ArrayNode array = nodes.arrayNode();
            collection.forEach(element -> array.add(fields(element)));
            return array;
        }
        if (value instanceof Octets octets) {
            return nodes.textNode(octets.hex());
        }
        if (value instanceof Number number) {
            return nodes.numberNode(number.longValue());
        }
        if (value instanceof Boolean bool) {
            return nodes.booleanNode(bool);
        }
        return nodes.textNode(String.valueOf(value));
    }

    static void printFlat(java.io.PrintWriter out, String prefix, JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
                printFlat(out, prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue());
            }
        } else if (node.isArray() && node.size() > 0 && node.get(0).isContainerNode()) {
            for (int i = 0; i < node.size(); i++) {
                printFlat(out, prefix + "[" + i + "]", node.get(i));
            }
        } else {
            out.println(prefix + ": " + (node.isTextual() ? node.textValue() : node.toString()));
        }
    }

    private static String kindName(Evidence evidence) {
        return evidence instanceof Evidence.Dcap dcap ? dcap.quote().tee().wire().toUpperCase(Locale.ROOT) + " quote"
                : "SEV-SNP report";
    }

    @Command(name = "show", description = "Print every field of a report or quote, flag words decoded.")
    static final class Show extends DuetCli.Verb {
        @Parameters(index = "0", paramLabel = "FILE", description = "Raw SNP report or DCAP quote.")
        Path file;

        @Mixin DuetCli.JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            Evidence evidence = read(file);
            ObjectNode shown = JsonNodeFactory.instance.objectNode();
            if (evidence instanceof Evidence.Snp snp) {
                SnpReport report = snp.report();
                ObjectNode fields = (ObjectNode) fields(report);
                fields.set("policy", fields(report.policy().flags()));
                fields.set("platformInfo", fields(PlatformInfo.decode(report.platformInfo())));
                fields.set("signerInfo", fields(report.signer()));
                shown.put("kind", "sev-snp report");
                shown.set("report", fields);
                report.productFromCpuid().ifPresent(product -> {
                    shown.put("product", product.kdsName());
                    shown.set("reportedTcbDecoded", fields(TcbVersion.decode(report.reportedTcb(), product)));
                });
            } else {
                Evidence.Dcap dcap = (Evidence.Dcap) evidence;
                ObjectNode quote = (ObjectNode) fields(dcap.quote());
                ObjectNode body = (ObjectNode) quote.get("body");
                if (dcap.quote().body() instanceof TdReport td) {
                    body.set("tdAttributes", fields(TdAttributes.decode(td.tdAttributes())));
                } else {
                    body.set("attributes", fields(SgxAttributes.decode(((EnclaveReport) dcap.quote().body()).attributes())));
                }
                ((ObjectNode) quote.get("signature").get("qeReport")).set("attributes",
                        fields(SgxAttributes.decode(dcap.quote().signature().qeReport().attributes())));
                shown.put("kind", dcap.quote().tee().wire() + " quote");
                shown.set("quote", quote);
                shown.put("pckChainBytes", dcap.quote().signature().certificationData().length());
            }
            if (json.json) {
                printJson(shown);
            } else {
                printFlat(out(), "", shown);
                out().flush();
            }
            return 0;
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

        @Option(names = "--cmdline", description = "Kernel command line (default: duet's guest command line).")
        String cmdline = SimulatedLaunch.DUET_GUEST_CMDLINE;

        @Mixin DuetCli.JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            Path kernelFile = kernel != null ? kernel : image == null ? null : image.resolve("vmlinux");
            Path initrdFile = initrd != null ? initrd : image == null ? null : image.resolve("initramfs.cpio");
            if (kernelFile == null || initrdFile == null) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "give --image DIR, or --kernel FILE and --initrd FILE");
            }
            String digest = HexFormat.of().formatHex(SimulatedLaunch.digest(sha384(kernelFile, "kernel"),
                    sha384(initrdFile, "initramfs"), cmdline));
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

        /** Streamed, so a large image needs no memory; only a bounded regular file, so a device or FIFO cannot hang it. */
        private static byte[] sha384(Path file, String what) throws CliFailure {
            if (!Files.exists(file)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": no such file");
            }
            if (!Files.isRegularFile(file)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": not a regular file"
                        + (Files.isDirectory(file) ? " (a directory)" : ""));
            }
            try (InputStream in = Files.newInputStream(file)) {
                MessageDigest sha = MessageDigest.getInstance("SHA-384");
                byte[] buffer = new byte[1 << 16];
                long total = 0;
                for (int n; (n = in.read(buffer)) > 0;) {
                    total += n;
                    if (total > IMAGE_LIMIT) {
                        throw new CliFailure(CliFailure.INPUT_ERROR, what + " " + file + " is larger than "
                                + (IMAGE_LIMIT >> 20) + " MiB, the most accepted for it");
                    }
                    sha.update(buffer, 0, n);
                }
                return sha.digest();
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": " + InputFiles.describe(e));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "verify", description = "Verify evidence against the vendor roots, collateral and a policy. "
            + "Exit 0 accepted, 1 rejected (every failed check is listed), 2 unreadable input or an option that does "
            + "not apply to the evidence.")
    static final class Verify extends DuetCli.Verb {
        @Parameters(index = "0", paramLabel = "FILE", description = "Raw SNP report or DCAP quote.")
        Path file;

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
            Evidence evidence = read(file);
            refuseOptionsThatDoNotApply(evidence);
            Instant when = time();
            AppraisalPolicy appraisal = policy();
            AttestationVerifier verifier = verifier();
            Collateral loaded = collateral();
            List<String> unusable = verifier.unusableCollateral(evidence, loaded);
            if (!unusable.isEmpty()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--collateral: " + unusable.get(0)
                        + (unusable.size() > 1 ? " (and " + (unusable.size() - 1) + " more)" : ""));
            }
            if (fetch && evidence instanceof Evidence.Dcap && !loaded.tcbInfos().isEmpty()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--fetch has nothing to fetch: --collateral already gives a "
                        + "TCB Info (drop one of them)");
            }
            Optional<EndorsementCertificate> endorsement = endorsement();
            if (fetch) {
                CollateralFetcher fetcher = fetcher();
                if (evidence instanceof Evidence.Snp snp) {
                    endorsement = Optional.of(fetchVcek(fetcher, snp));
                } else {
                    loaded = loaded.plus(fetchIntel(fetcher, (Evidence.Dcap) evidence));
                }
            }
            Verdict verdict = verifier.verify(evidence, endorsement, loaded, appraisal, when);
            print(verdict, when);
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

        private static void requireAbsent(Object option, String message) throws CliFailure {
            if (option != null) {
                throw new CliFailure(CliFailure.INPUT_ERROR, message);
            }
        }

        private AttestationVerifier verifier() throws CliFailure {
            if (simulatedRoot == null) {
                return AttestationVerifier.vendorRoots();
            }
            X509Certificate ark = simulatedRootCertificate("ark.der");
            X509Certificate ask = simulatedRootCertificate("ask.der");
            // With --json, stdout must stay one JSON document; the verdict's evidence names the simulated root there too.
            (json.json ? spec.commandLine().getErr() : out()).println("WARNING: trusting the SIMULATED root in "
                    + simulatedRoot + " instead of AMD's: an accepted verdict proves nothing about hardware");
            return new AttestationVerifier(AmdTrust.explicit("duet SIMULATED SNP root (not hardware, trusted explicitly)",
                    SnpProduct.MILAN, ark, ask, Optional.empty()), IntelTrust.intel(), SignatureCache.create());
        }

        private X509Certificate simulatedRootCertificate(String name) throws CliFailure {
            Path path = simulatedRoot.resolve(name);
            byte[] bytes = InputFiles.read(path, InputFiles.SMALL, "simulated root certificate");
            try {
                return Certificates.parse(bytes, path.toString());
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "simulated root: " + e.getMessage());
            }
        }

        private Instant time() throws CliFailure {
            if (at == null) {
                return Instant.now();
            }
            try {
                return Instant.parse(at);
            } catch (DateTimeParseException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--at " + at + " is not an ISO-8601 time such as 2025-09-01T00:00:00Z");
            }
        }

        private AppraisalPolicy policy() throws CliFailure {
            if (policy == null) {
                return AppraisalPolicy.strict();
            }
            byte[] bytes = InputFiles.read(policy, InputFiles.SMALL, "policy");
            try {
                return PolicyParser.parse(bytes);
            } catch (PolicyException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "policy " + policy + ": " + e.getMessage());
            }
        }

        private Collateral collateral() throws CliFailure {
            try {
                return CollateralFiles.load(collateral);
            } catch (FileSystemException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read collateral " + e.getFile() + ": "
                        + InputFiles.describe(e));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read collateral: " + InputFiles.describe(e));
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "collateral " + e.getMessage());
            }
        }

        private Optional<EndorsementCertificate> endorsement() throws CliFailure {
            if (cert == null) {
                return Optional.empty();
            }
            byte[] bytes = InputFiles.read(cert, InputFiles.SMALL, "certificate");
            try {
                return Optional.of(EndorsementCertificate.parse(bytes));
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, cert + ": " + e.getMessage());
            }
        }

        private Path cacheDirectory() {
            return cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "duet", "collateral");
        }

        private CollateralFetcher fetcher() throws CliFailure {
            return new CollateralFetcher(url("--kds", kds, CollateralFetcher.AMD_KDS), url("--pcs", pcs,
                    CollateralFetcher.INTEL_PCS), cacheDirectory(), Duration.ofHours(24), Clock.systemUTC());
        }

        private static URI url(String option, String given, URI otherwise) throws CliFailure {
            if (given == null) {
                return otherwise;
            }
            try {
                URI uri = new URI(given);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, option + " " + given + " is not an http(s) URL");
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, option + " " + given + " is not an http(s) URL");
            }
        }

        /** "cannot fetch WHAT from URL: cause", or what went wrong with the cache directory. */
        private CliFailure fetchFailure(String what, IOException e) {
            if (e instanceof CollateralFetcher.FetchFailure failure) {
                String cause = failure.getCause() instanceof IOException io ? InputFiles.describe(io) : failure.reason();
                return new CliFailure(CliFailure.INPUT_ERROR, "cannot fetch " + what + " from " + failure.uri() + ": " + cause);
            }
            String where = e instanceof FileSystemException fs && fs.getFile() != null ? fs.getFile() : cacheDirectory().toString();
            return new CliFailure(CliFailure.INPUT_ERROR, "cannot use the collateral cache " + where + ": "
                    + InputFiles.describe(e));
        }

        private EndorsementCertificate fetchVcek(CollateralFetcher fetcher, Evidence.Snp snp) throws CliFailure {
            SnpProduct product = snp.report().productFromCpuid().orElseThrow(() -> new CliFailure(CliFailure.INPUT_ERROR,
                    "a v2 report does not name its product line; fetch the VCEK yourself and pass --cert"));
            byte[] der;
            try {
                der = fetcher.vcek(product, snp.report().chipId(), TcbVersion.decode(snp.report().reportedTcb(), product));
            } catch (IOException e) {
                throw fetchFailure("the VCEK", e);
            }
            try {
                return EndorsementCertificate.parse(der);
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "the fetched VCEK: " + e.getMessage());
            }
        }

        /**
         * Collateral for the platform the quote names; whether quote and collateral are genuine is decided
         * afterwards. A quote whose PCK chain cannot be read names no platform: it fails {@code dcap.pck-chain}.
         */
        private Collateral fetchIntel(CollateralFetcher fetcher, Evidence.Dcap dcap) throws CliFailure {
            PckCertificate pck;
            try {
                pck = PckCertificate.carriedBy(dcap.quote());
            } catch (MalformedEvidenceException unreadable) {
                return Collateral.none();
            }
            try {
                return fetcher.intel(pck, dcap.quote().tee() == TeeKind.TDX);
            } catch (IOException e) {
                throw fetchFailure("Intel collateral", e);
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "fetched Intel collateral " + e.getMessage());
            }
        }

        private void print(Verdict verdict, Instant when) {
            if (json.json) {
                ObjectNode node = JsonNodeFactory.instance.objectNode();
                node.put("evidence", verdict.evidence());
                node.put("kind", verdict.kind().wire());
                node.put("at", when.toString());
                node.put("accepted", verdict.accepted());
                if (verdict.platform() instanceof Verdict.Amd amd) {
                    amd.product().ifPresent(product -> node.put("product", product.kdsName()));
                    amd.reportedTcb().ifPresent(tcb -> node.set("reportedTcb", fields(tcb)));
                } else if (verdict.platform() instanceof Verdict.Intel intel) {
                    intel.fmspc().ifPresent(fmspc -> node.put("fmspc", fmspc.hex()));
                    node.put("paddingBytes", intel.paddingBytes());
                    intel.tcb().ifPresent(tcb -> node.set("tcb", tcb(tcb)));
                }
                node.set("checks", fields(verdict.checks()));
                printJson(node);
                return;
            }
            out().println(verdict.evidence() + " at " + when);
            for (Check check : verdict.checks()) {
                out().println("  " + check.describe());
            }
            if (verdict.platform() instanceof Verdict.Intel intel && intel.tcb().isPresent()) {
                TcbAssessment tcb = intel.tcb().get();
                Set<String> advisories = advisories(tcb);
                out().println("TCB " + status(tcb) + intel.fmspc().map(f -> " (FMSPC " + f.hex() + ")").orElse("")
                        + (advisories.isEmpty() ? "" : ", advisories: " + String.join(", ", advisories)));
            }
            out().println(verdict.accepted() ? "ACCEPTED" : "REJECTED: " + verdict.failures().size() + " check"
                    + (verdict.failures().size() == 1 ? "" : "s") + " failed");
            out().flush();
        }

        /** The TCB evaluation as fields of its own: overall status, advisories (sorted, once each) and each part. */
        private static ObjectNode tcb(TcbAssessment tcb) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("status", status(tcb));
            ArrayNode advisories = node.putArray("advisoryIds");
            advisories(tcb).forEach(advisories::add);
            node.put("evaluationDataNumber", tcb.tcbEvaluationDataNumber());
            node.set("platform", level(tcb.platform()));
            tcb.module().ifPresent(module -> node.set("tdxModule", level(module)));
            node.set("qe", level(tcb.qe()));
            return node;
        }

        private static String status(TcbAssessment tcb) {
            return tcb.overall().map(TcbStatus::wire).orElse(NO_MATCHING_LEVEL);
        }

        private static Set<String> advisories(TcbAssessment tcb) {
            Set<String> all = new TreeSet<>();
            List<LevelMatch> parts = new ArrayList<>(List.of(tcb.platform(), tcb.qe()));
            tcb.module().ifPresent(parts::add);
            for (LevelMatch part : parts) {
                if (part instanceof LevelMatch.Matched matched) {
                    all.addAll(matched.advisoryIds());
                }
            }
            return all;
        }

        private static ObjectNode level(LevelMatch match) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            if (match instanceof LevelMatch.Matched matched) {
                node.put("status", matched.status().wire());
                matched.tcbDate().ifPresent(date -> node.put("tcbDate", date.toString()));
                ArrayNode advisories = node.putArray("advisoryIds");
                matched.advisoryIds().forEach(advisories::add);
            } else {
                node.put("status", NO_MATCHING_LEVEL);
                node.put("reason", ((LevelMatch.NoMatchingLevel) match).reason());
            }
            return node;
        }
    }
}
