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
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.PolicyException;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.snp.TcbVersion;
import dev.duet.attestation.source.CollateralFetcher;
import dev.duet.attestation.source.CollateralFiles;
import dev.duet.attestation.x509.SignatureCache;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duet attest …}: read and verify SEV-SNP reports and TDX/SGX quotes offline. */
@Command(name = "attest", description = "Show or verify hardware evidence (SEV-SNP reports, TDX and SGX quotes).",
        subcommands = {AttestCommands.Show.class, AttestCommands.Verify.class, AttestCommands.LaunchDigest.class})
final class AttestCommands {
    /** Bulky or binary parts that {@code show} summarises instead of printing. */
    private static final Set<String> HIDDEN = Set.of("signedBytes", "raw", "certificationData");

    private AttestCommands() {}

    static Evidence read(Path file) throws CliFailure {
        try {
            return Evidence.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + file + ": " + e.getMessage());
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, file + ": " + e.getMessage());
        }
    }

    /** Every component of a record, recursively, with bytes as hex and empty optionals left out. */
    static JsonNode fields(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value instanceof Record record) {
            ObjectNode object = nodes.objectNode();
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                if (HIDDEN.contains(component.getName())) {
                    continue;
                }
                try {
                    Object raw = component.getAccessor().invoke(record);
                    JsonNode field = raw instanceof Long tcb && component.getName().endsWith("Tcb")
                            ? nodes.textNode(String.format("0x%016x", tcb)) : fields(raw);
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

    @Command(name = "show", description = "Print every field of a report or quote.")
    static final class Show extends DuetCli.Verb {
        @Parameters(index = "0", paramLabel = "FILE", description = "Raw SNP report or DCAP quote.")
        Path file;

        @Mixin DuetCli.JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            Evidence evidence = read(file);
            ObjectNode shown = JsonNodeFactory.instance.objectNode();
            if (evidence instanceof Evidence.Snp snp) {
                shown.put("kind", "sev-snp report");
                shown.set("report", fields(snp.report()));
                snp.report().productFromCpuid().ifPresent(product -> {
                    shown.put("product", product.kdsName());
                    shown.set("reportedTcbDecoded", fields(TcbVersion.decode(snp.report().reportedTcb(), product)));
                });
            } else {
                Evidence.Dcap dcap = (Evidence.Dcap) evidence;
                shown.put("kind", dcap.quote().tee().wire() + " quote");
                shown.set("quote", fields(dcap.quote()));
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
        String cmdline = dev.duet.attestation.snp.SimulatedLaunch.DUET_GUEST_CMDLINE;

        @Override
        public Integer call() throws CliFailure {
            Path kernelFile = kernel != null ? kernel : image == null ? null : image.resolve("vmlinux");
            Path initrdFile = initrd != null ? initrd : image == null ? null : image.resolve("initramfs.cpio");
            if (kernelFile == null || initrdFile == null) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "give --image DIR, or --kernel FILE and --initrd FILE");
            }
            byte[] digest = dev.duet.attestation.snp.SimulatedLaunch.digest(sha384(kernelFile), sha384(initrdFile), cmdline);
            out().println(java.util.HexFormat.of().formatHex(digest));
            out().flush();
            return 0;
        }

        private static byte[] sha384(Path file) throws CliFailure {
            try (java.io.InputStream in = Files.newInputStream(file)) {
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-384");
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0;) {
                    sha.update(buffer, 0, n);
                }
                return sha.digest();
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + file + ": " + e.getMessage());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "verify", description = "Verify evidence against the vendor roots, collateral and a policy. "
            + "Exit 0 accepted, 1 rejected (every failed check is listed), 2 unreadable input.")
    static final class Verify extends DuetCli.Verb {
        @Parameters(index = "0", paramLabel = "FILE", description = "Raw SNP report or DCAP quote.")
        Path file;

        @Option(names = "--cert", paramLabel = "FILE", description = "VCEK or VLEK certificate (DER or PEM) for an SNP report.")
        Path cert;

        @Option(names = "--collateral", paramLabel = "PATH", description = "Collateral file or directory "
                + "(.json TCB Info / QE identity / bundles, .der/.crl CRLs, .pem issuer chains); repeatable.")
        List<Path> collateral = new ArrayList<>();

        @Option(names = "--policy", paramLabel = "FILE", description = "Appraisal policy (JSON); default: the strict policy.")
        Path policy;

        @Option(names = "--at", paramLabel = "TIME", description = "Verification time, ISO-8601 (default: now).")
        String at;

        @Option(names = "--fetch", description = "Fetch missing VCEK and Intel collateral from AMD KDS / Intel PCS (cached).")
        boolean fetch;

        @Option(names = "--cache", paramLabel = "DIR", description = "Cache for fetched collateral "
                + "(default: ~/.cache/duet/collateral).")
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
            Instant when = time();
            AppraisalPolicy appraisal = policy();
            Collateral loaded = collateral();
            Optional<EndorsementCertificate> endorsement = endorsement();
            if (fetch) {
                CollateralFetcher fetcher = fetcher(when);
                if (evidence instanceof Evidence.Snp snp && endorsement.isEmpty()) {
                    endorsement = Optional.of(fetchVcek(fetcher, snp));
                }
                if (evidence instanceof Evidence.Dcap dcap && loaded.tcbInfos().isEmpty()) {
                    loaded = loaded.plus(fetchIntel(fetcher, dcap));
                }
            }
            Verdict verdict = verifier().verify(evidence, endorsement, loaded, appraisal, when);
            print(verdict, when);
            return verdict.accepted() ? 0 : CliFailure.CHECK_FAILED;
        }

        private AttestationVerifier verifier() throws CliFailure {
            if (simulatedRoot == null) {
                return AttestationVerifier.vendorRoots();
            }
            try {
                java.security.cert.X509Certificate ark = dev.duet.attestation.x509.Certificates.parse(
                        Files.readAllBytes(simulatedRoot.resolve("ark.der")), "ark.der");
                java.security.cert.X509Certificate ask = dev.duet.attestation.x509.Certificates.parse(
                        Files.readAllBytes(simulatedRoot.resolve("ask.der")), "ask.der");
                out().println("WARNING: trusting the SIMULATED root in " + simulatedRoot + " instead of AMD's: "
                        + "an accepted verdict proves nothing about hardware");
                return new AttestationVerifier(dev.duet.attestation.snp.AmdTrust.explicit("duet SIMULATED SNP root (not hardware, "
                        + "trusted explicitly)", SnpProduct.MILAN, ark, ask, Optional.empty()),
                        IntelTrust.intel(), SignatureCache.create());
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read the simulated root: " + e.getMessage());
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
            try {
                return PolicyParser.parse(Files.readAllBytes(policy));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read policy " + policy + ": " + e.getMessage());
            } catch (PolicyException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "policy " + policy + ": " + e.getMessage());
            }
        }

        private Collateral collateral() throws CliFailure {
            try {
                return CollateralFiles.load(collateral);
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read collateral: " + e.getMessage());
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "collateral " + e.getMessage());
            }
        }

        private Optional<EndorsementCertificate> endorsement() throws CliFailure {
            if (cert == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(EndorsementCertificate.parse(Files.readAllBytes(cert)));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + cert + ": " + e.getMessage());
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, cert + ": " + e.getMessage());
            }
        }

        private CollateralFetcher fetcher(Instant when) {
            Path dir = cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "duet", "collateral");
            return new CollateralFetcher(java.net.URI.create(kds != null ? kds : CollateralFetcher.AMD_KDS.toString()),
                    java.net.URI.create(pcs != null ? pcs : CollateralFetcher.INTEL_PCS.toString()), dir, Duration.ofHours(24),
                    Clock.systemUTC());
        }

        private EndorsementCertificate fetchVcek(CollateralFetcher fetcher, Evidence.Snp snp) throws CliFailure {
            SnpProduct product = snp.report().productFromCpuid().orElseThrow(() -> new CliFailure(CliFailure.INPUT_ERROR,
                    "a v2 report does not name its product line; fetch the VCEK yourself and pass --cert"));
            try {
                return EndorsementCertificate.parse(fetcher.vcek(product, snp.report().chipId(),
                        TcbVersion.decode(snp.report().reportedTcb(), product)));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot fetch the VCEK: " + e.getMessage());
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "the fetched VCEK: " + e.getMessage());
            }
        }

        /** Collateral for the platform the quote names; whether quote and collateral are genuine is decided afterwards. */
        private Collateral fetchIntel(CollateralFetcher fetcher, Evidence.Dcap dcap) throws CliFailure {
            PckCertificate pck;
            try {
                pck = PckCertificate.carriedBy(dcap.quote());
            } catch (MalformedEvidenceException unreadable) {
                return Collateral.none();
            }
            try {
                return fetcher.intel(pck, dcap.quote().tee() == dev.duet.attestation.TeeKind.TDX);
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot fetch Intel collateral: " + e.getMessage());
            } catch (MalformedEvidenceException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "fetched Intel collateral " + e.getMessage());
            }
        }

        private void print(Verdict verdict, Instant when) {
            if (json.json) {
                ObjectNode node = JsonNodeFactory.instance.objectNode();
                node.put("evidence", verdict.evidence());
                node.put("at", when.toString());
                node.put("accepted", verdict.accepted());
                node.set("checks", fields(verdict.checks()));
                printJson(node);
                return;
            }
            out().println(verdict.evidence() + " at " + when);
            for (Check check : verdict.checks()) {
                out().println("  " + check.describe());
            }
            out().println(verdict.accepted() ? "ACCEPTED" : "REJECTED: " + verdict.failures().size() + " check"
                    + (verdict.failures().size() == 1 ? "" : "s") + " failed");
            out().flush();
        }
    }
}
