package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.attestation.snp.SnpReportParser;
import dev.duet.log.Sha256Hash;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.policy.DeploymentPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code duet verify} does around the bundle verifier: the policy file read (exit 2 naming the
 * bad key), the trust built from it (duet's simulated root only by the fingerprint the policy names,
 * checked here on the golden simulated controller evidence), the report written, and the exit code.
 */
class DeploymentCheckTest {
    private static final Instant NOW = Instant.parse("2027-06-01T00:00:00Z");
    @TempDir Path dir;

    private static String simulatedArk() throws Exception {
        return ControllerEvidenceVerifier.fingerprint(SevCertificateTable.parse(Octets.copyOf(Files.readAllBytes(
                Goldens.file(Files.createTempDirectory("ark"), "simulated-snp-certificates.bin")))).find(SevCertificateTable.ARK).orElseThrow()).hex();
    }

    private static String milanMeasurement() throws Exception {
        return SnpReportParser.parse(TestVectors.bytes("snp/milan_v3_oak_report.bin")).measurement().hex();
    }

    private Path yaml(String trustSimulatedRoot) throws Exception {
        return Files.writeString(dir.resolve("policy.yaml"), """
                controller:
                  evidenceKinds: [sev-snp]
                %s
                cvm:
                  evidenceKinds: [sev-snp]
                  snp:
                    measurements: ["%s"]
                mode:
                  inService: required
                maxInUpdateWindows: 1
                """.formatted(trustSimulatedRoot, milanMeasurement()));
    }

    /** The golden simulated controller evidence, verified under the trust {@code duet verify} builds from the policy. */
    private static ControllerEvidenceVerdict controller(BundleTrust trust) throws Exception {
        return EvidenceVerifier.verify(StrictJson.read(Files.readAllBytes(Goldens.file(Files.createTempDirectory("ev"),
                "evidence-simulated-snp-honest.json"))), Optional.of("n1"), trust.controller(), NOW).facts().orElseThrow().attestation();
    }

    private static BundleVerdict verdict(BundleTrust trust, CvmMode mode) throws Exception {
        ControllerEvidenceVerdict controller = controller(trust);
        Verdict launch = AttestationVerifier.vendorRoots().verify(Evidence.parse(TestVectors.bytes("snp/milan_v3_oak_report.bin")),
                Optional.of(EndorsementCertificate.parse(TestVectors.bytes("snp/milan_v3_oak_vcek.der"))), Collateral.none(), trust.cvm(),
                TestVectors.SNP_TIME);
        DeploymentFacts facts = new DeploymentFacts(NOW.minusSeconds(5), Optional.empty(),
                new DeploymentFacts.Controller("c0ffee", controller.tee(), true, controller),
                new DeploymentFacts.Cvm("cvm-0123456789abcdef", "web", "qemu", mode, Optional.of(new DeploymentFacts.Moment(3, NOW.minusSeconds(60))),
                        "ssh-ed25519 AAAA", false, Optional.of(launch), Optional.empty(), dev.duet.protocol.CvmHistory.Policy.BUILT_IN, 0),
                List.of(), List.of(), new Checkpoint("duet.example/log", 4, Sha256Hash.ZERO, List.of()), OptionalLong.empty());
        return new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.SIGNED_BY_CONTROLLER, Check.pass("bundle.signature", "signed"))),
                Optional.of(facts));
    }

    private record Printed(int exit, String out, String err) {}

    private static Printed report(BundleVerdict verdict, DeploymentPolicy policy, boolean json, Optional<Path> junit) throws CliFailure {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DeploymentCheck.report(verdict, policy, NOW, json, junit, new PrintWriter(out), new PrintWriter(err));
        return new Printed(exit, out.toString(), err.toString());
    }

    @Test
    void theSimulatedRootIsTrustedOnlyByTheFingerprintThePolicyNames() throws Exception {
        DeploymentPolicy naming = DeploymentCheck.policy(yaml("  trustSimulatedRoot: \"" + simulatedArk() + "\""));
        BundleTrust trust = DeploymentCheck.trust(naming, Optional.of("n1"), Optional.empty(), NOW);
        assertThat(trust.controller().simulatedArk()).contains(Octets.fromHex(simulatedArk()));
        assertThat(controller(trust)).isInstanceOfSatisfying(ControllerEvidenceVerdict.Attested.class, a -> assertThat(a.simulated()).isTrue());

        DeploymentPolicy silent = DeploymentCheck.policy(yaml(""));
        assertThat(controller(DeploymentCheck.trust(silent, Optional.of("n1"), Optional.empty(), NOW)))
                .isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
        DeploymentPolicy another = DeploymentCheck.policy(yaml("  trustSimulatedRoot: \"" + "00".repeat(32) + "\""));
        assertThat(controller(DeploymentCheck.trust(another, Optional.of("n1"), Optional.empty(), NOW)).reason()).contains("another root");
    }

    @Test
    void aTrustedDeploymentExitsZeroAndSaysSimulatedLoudly() throws Exception {
        DeploymentPolicy policy = DeploymentCheck.policy(yaml("  trustSimulatedRoot: \"" + simulatedArk() + "\""));
        BundleVerdict verdict = verdict(DeploymentCheck.trust(policy, Optional.empty(), Optional.empty(), NOW), CvmMode.IN_SERVICE);
        Path junit = dir.resolve("report.xml");
        Printed text = report(verdict, policy, false, Optional.of(junit));
        assertThat(text.exit()).isZero();
        assertThat(text.out()).startsWith("SIMULATED: the controller's evidence").endsWith("TRUSTED (SIMULATED)\n");
        assertThat(Files.readString(junit)).contains("<testsuite name=\"duet verify\"").contains("failures=\"0\"");

        Printed json = report(verdict, policy, true, Optional.empty());
        JsonNode document = new ObjectMapper().readTree(json.out());
        assertThat(document.get("trusted").booleanValue()).isTrue();
        assertThat(document.get("guarantees")).hasSize(6);
        assertThat(json.err()).startsWith("WARNING: SIMULATED: the controller's evidence");
    }

    @Test
    void aDeploymentThePolicyRefusesExitsOneWithTheReason() throws Exception {
        DeploymentPolicy policy = DeploymentCheck.policy(yaml("  trustSimulatedRoot: \"" + simulatedArk() + "\""));
        BundleVerdict verdict = verdict(DeploymentCheck.trust(policy, Optional.empty(), Optional.empty(), NOW), CvmMode.IN_UPDATE);
        Printed text = report(verdict, policy, false, Optional.empty());
        assertThat(text.exit()).isEqualTo(CliFailure.CHECK_FAILED);
        assertThat(text.out()).contains("FAIL 5 in-service").contains("     FAIL policy.mode.in-service: the CVM's mode, as its verified "
                + "history leaves it (expected in-service, got in-update)").endsWith("NOT TRUSTED (1 failed check)\n");
        BundleVerdict unverified = new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.SIGNED_BY_CONTROLLER,
                Check.fail("bundle.signature", "invalid signature"))), Optional.empty());
        assertThat(report(unverified, policy, true, Optional.empty()).exit()).isEqualTo(CliFailure.CHECK_FAILED);
    }

    @Test
    void aJunitFileThatCannotBeWrittenIsExitTwoBeforeAnythingIsPrinted() throws Exception {
        DeploymentPolicy policy = DeploymentCheck.policy(yaml("  trustSimulatedRoot: \"" + simulatedArk() + "\""));
        BundleVerdict verdict = verdict(DeploymentCheck.trust(policy, Optional.empty(), Optional.empty(), NOW), CvmMode.IN_SERVICE);
        assertThatThrownBy(() -> report(verdict, policy, false, Optional.of(dir.resolve("no/such/dir/report.xml"))))
                .isInstanceOfSatisfying(CliFailure.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(CliFailure.INPUT_ERROR);
                    assertThat(e.getMessage()).startsWith("cannot write").contains("no such directory");
                });
        assertThatThrownBy(() -> report(verdict, policy, false, Optional.of(dir))).isInstanceOfSatisfying(CliFailure.class,
                e -> assertThat(e.getMessage()).contains("is a directory"));
    }

    @Test
    void aPolicyFileThatIsNotAPolicyIsExitTwoNamingTheKey() throws Exception {
        Path json = Files.writeString(dir.resolve("p.json"), "{\"controller\": {\"evidenceKinds\": [\"sev-snp\"]}, \"cvm\": {\"evidenceKinds\": "
                + "[\"sev-snp\"]}, \"maxAge\": \"a day\"}");
        assertThatThrownBy(() -> DeploymentCheck.policy(json)).isInstanceOfSatisfying(CliFailure.class, e -> {
            assertThat(e.exitCode()).isEqualTo(CliFailure.INPUT_ERROR);
            assertThat(e.getMessage()).isEqualTo("policy " + json + ": maxAge: \"a day\" is not an ISO-8601 duration of days, hours, minutes and "
                    + "seconds such as PT24H or P7D");
        });
        Path yml = Files.writeString(dir.resolve("p.yml"), "controller:\n  evidenceKinds: [sev-snp]\ncvm:\n  evidenceKinds: [sev-snp]\n"
                + "mode:\n  inService: required\n  inservice: 1\n");
        assertThatThrownBy(() -> DeploymentCheck.policy(yml)).isInstanceOfSatisfying(CliFailure.class,
                e -> assertThat(e.getMessage()).contains("mode.inservice: unknown key"));
        Path escape = Files.writeString(dir.resolve("p2.json"), "{\"controller\": {\"evidenceKinds\": [\"sev-snp\"]}, \"cvm\": "
                + "{\"evidenceKinds\": [\"sev-snp\"]}, \"\\u001b[2J\": 1}");
        assertThatThrownBy(() -> DeploymentCheck.policy(escape)).isInstanceOfSatisfying(CliFailure.class,
                e -> assertThat(e.getMessage()).contains("\\u001b[2J: unknown key").doesNotContain("\u001b"));
        Path txt = Files.writeString(dir.resolve("policy.txt"), "{}");
        assertThatThrownBy(() -> DeploymentCheck.policy(txt)).isInstanceOfSatisfying(CliFailure.class,
                e -> assertThat(e.getMessage()).contains("name it .json, .yaml or .yml"));
        assertThatThrownBy(() -> DeploymentCheck.policy(dir.resolve("missing.yaml"))).isInstanceOfSatisfying(CliFailure.class,
                e -> assertThat(e.getMessage()).isEqualTo("cannot read policy " + dir.resolve("missing.yaml") + ": no such file"));
    }
}
