package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The verifiers against the committed golden documents (README.md beside them). The files are
 * read as a user holds them, and each must get exactly the verdict its definition names. To remake
 * them after a deliberate change of the wire format: {@code mvn -pl controller-protocol -am test
 * -Dtest=GoldenDocumentsTest -Dsurefire.failIfNoSpecifiedTests=false -Dduet.golden.write=true}.
 */
class GoldenDocumentsTest {
    private static final Path SOURCE = Path.of("src/test/resources", GoldenKeys.DIR);
    private static final List<String> KEYS = List.of("controller-key.pem", "another-controller-key.pem", "simulated-snp-report-n1.bin",
            "simulated-snp-report-n0.bin", "simulated-snp-certificates.bin", "controller-tls-key.pub.pem", "another-tls-key.pub.pem",
            "simulated-snp-v2-report-n1.bin", "simulated-snp-v2-certificates.bin");
    /** When the evidence goldens are checked: every certificate in their reports' chains is valid then. */
    static final Instant EVIDENCE_TIME = Instant.parse("2027-06-01T00:00:00Z");

    static Stream<GoldenDocuments.Golden> goldens() {
        return GoldenDocuments.all().stream();
    }

    /** The committed files are byte for byte what the generator makes now: a golden cannot drift silently. */
    @Test
    void theCommittedGoldensAreWhatTheGeneratorWrites() throws IOException {
        List<GoldenDocuments.Golden> all = GoldenDocuments.all();
        String readme = GoldenReadme.render(all);
        if (Boolean.getBoolean("duet.golden.write")) {
            for (GoldenDocuments.Golden g : all) {
                Files.write(SOURCE.resolve(g.file()), g.bytes());
            }
            Files.writeString(SOURCE.resolve("README.md"), readme);
        }
        for (GoldenDocuments.Golden g : all) {
            assertThat(Files.readString(SOURCE.resolve(g.file()))).as(g.file() + " differs from what the generator writes")
                    .isEqualTo(new String(g.bytes(), StandardCharsets.UTF_8));
        }
        assertThat(Files.readString(SOURCE.resolve("README.md"))).isEqualTo(readme);
        try (Stream<Path> files = Files.list(SOURCE)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).as("no golden without a definition")
                    .containsExactlyInAnyOrderElementsOf(Stream.concat(Stream.concat(all.stream().map(GoldenDocuments.Golden::file),
                            KEYS.stream()), Stream.of("README.md")).toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void eachGoldenGetsExactlyItsVerdict(GoldenDocuments.Golden golden) throws Exception {
        assertThat(verdict(golden.file())).isEqualTo(golden.verdict());
    }

    /** The verdict in the words of the README: the exit class, then what failed. */
    static String verdict(String file) throws Exception {
        Path path = SOURCE.resolve(file);
        Ed25519PublicKey trusted = GoldenKeys.controller().publicKey();
        if (file.startsWith("bundle-")) {
            return bundleVerdict(file);
        }
        if (file.startsWith("state-") || file.startsWith("saved-state-")) {
            StateVerdict v = CvmStateVerifier.verify(Files.readAllBytes(path), trusted,
                    new CvmStateVerifier.Expectations(Optional.of(GoldenDocuments.CVM), Optional.of(GoldenDocuments.NONCE)));
            List<String> failed = v.failures().stream().map(Check::id).toList();
            if (v.trusted()) {
                return "trusted";
            }
            return (failed.contains("document") ? "malformed: " : "not trusted: ") + String.join(", ", failed);
        }
        if (file.startsWith("evidence-")) {
            JsonNode evidence;
            try {
                evidence = StrictJson.read(Files.readAllBytes(path));
            } catch (MalformedJsonException e) {
                return "malformed";
            }
            ControllerEvidenceVerifier.Trust vendor = ControllerEvidenceVerifier.Trust.vendorRoots();
            String verdict = evidenceVerdict(EvidenceVerifier.verify(evidence, Optional.of(GoldenDocuments.NONCE), vendor, EVIDENCE_TIME));
            if (evidence.path("payload").has("attestation") && !verdict.startsWith("not verified")) {
                verdict += "; trusting the simulated root: " + evidenceVerdict(EvidenceVerifier.verify(evidence,
                        Optional.of(GoldenDocuments.NONCE), vendor.trustingSimulatedRoot(simulatedArk(file.startsWith("evidence-v2-")
                        ? "simulated-snp-v2-certificates.bin" : "simulated-snp-certificates.bin")), EVIDENCE_TIME));
            }
            return verdict;
        }
        LogExportVerifier.Verdict v = LogExportVerifier.verify(path, trusted);
        return exportVerdict(v);
    }

    /**
     * A bundle's verdict: {@code trusted}, {@code malformed: bundle.document}, or {@code not trusted:}
     * and each failing check as {@code guarantee: check}. Checked trusting the simulated root, asking
     * with nonce n1, at {@link #EVIDENCE_TIME}; the bundles since size 6 with that checkpoint trusted.
     */
    private static String bundleVerdict(String file) throws IOException {
        BundleTrust trust = new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(simulatedArk("simulated-snp-certificates.bin")),
                AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), Optional.of(GoldenDocuments.NONCE),
                file.startsWith("bundle-since-") ? Optional.of(GoldenDocuments.trustedCheckpoint()) : Optional.empty(), EVIDENCE_TIME);
        BundleVerdict v = BundleVerifier.verify(Files.readAllBytes(SOURCE.resolve(file)), trust);
        if (v.trusted()) {
            return "trusted";
        }
        if (v.failures().stream().anyMatch(g -> g.check().id().equals("bundle.document"))) {
            return "malformed: bundle.document";
        }
        return "not trusted: " + String.join(", ", v.failures().stream().map(g -> g.guarantee().id() + ": " + g.check().id()).toList());
    }

    /** The fingerprint of the simulated ARK the golden reports chain to (in {@code table}), as its controller printed it. */
    private static dev.duet.attestation.Octets simulatedArk(String table) {
        try {
            return ControllerEvidenceVerifier.fingerprint(dev.duet.attestation.snp.SevCertificateTable.parse(dev.duet.attestation.Octets
                    .copyOf(GoldenKeys.resource(table))).find(dev.duet.attestation.snp.SevCertificateTable.ARK)
                    .orElseThrow());
        } catch (dev.duet.attestation.MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code verified, attested [SIMULATED]} or {@code verified, not attested}, the TEE kind, and the hardware checks that failed. */
    private static String evidenceVerdict(EvidenceVerdict v) {
        if (v.facts().isEmpty()) {
            return "not verified: " + String.join(", ", v.failures().stream().map(Check::id).toList());
        }
        EvidenceVerdict.Facts facts = v.facts().get();
        List<String> failed = facts.attestation().checks().stream().filter(c -> !c.passed()).map(Check::id).toList();
        return "verified, " + (facts.attestation() instanceof ControllerEvidenceVerdict.Attested a ? "attested" + (a.simulated() ? " SIMULATED" : "")
                : "not attested") + " (tee " + facts.tee().wire() + ")" + (failed.isEmpty() ? "" : ": " + String.join(", ", failed));
    }

    private static String exportVerdict(LogExportVerifier.Verdict v) {
        if (v.intact()) {
            return "intact";
        }
        if (v.firstBadIndex().isPresent()) {
            return "tampered at entry " + v.firstBadIndex().getAsLong();
        }
        return v.detail().startsWith("the export is not a JSON document") ? "malformed" : "tampered: " + v.detail();
    }
}
