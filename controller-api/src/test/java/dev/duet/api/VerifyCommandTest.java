package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.HistoryFixture;
import dev.duet.controller.OwnerId;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet verify BUNDLE|URL --policy FILE} as a user and a CI job run it (issue 11 item 7):
 * against a controller with simulated SNP self-attestation serving HTTPS on loopback, over a real
 * SQLite log holding an adopted CVM's history. A URL is fetched over the attested TLS key; a saved
 * bundle is verified offline; every tampering and every policy mismatch is exit 1 naming its
 * guarantee and reason; usage errors are exit 2 in one line.
 */
class VerifyCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMMANDS = 3;
    /** The JUnit XML schema BundleReportTest validates against (controller-protocol's test resources, with its provenance). */
    static final Path JUNIT_XSD = Path.of("..", "controller-protocol", "src", "test", "resources", "junit", "JUnit.xsd");

    @TempDir Path dir;

    /** An HTTPS controller with simulated SNP attestation over a CVM adopted over SSH that ran {@value #COMMANDS} commands. */
    record Deployment(Controller controller, ControllerServer server, String cvm, Ed25519KeyPair owner, String ark) implements AutoCloseable {
        static Deployment start(Path dir, boolean inService) throws Exception {
            Ed25519KeyPair owner = Ed25519KeyPair.generate();
            Path data = dir.resolve("data");
            String cvm = HistoryFixture.adoptedCvm(data, List.of(owner.publicKey()), COMMANDS, inService);
            SimulatedSnp chip = SimulatedSnp.open(dir.resolve("chip"));
            Controller controller = Controller.open(ControllerConfig.defaults(data, List.of()), d -> FileSealer.openOrCreate(d.sealingKey()),
                    Optional.empty(), SelfAttestation.simulatedSnp(chip));
            ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0, ControllerServer.Transport.HTTPS);
            return new Deployment(controller, server, cvm, owner, ControllerEvidenceVerifier.fingerprint(Octets.copyOf(chip.arkDer())).hex());
        }

        String base() {
            return "https://127.0.0.1:" + server.port();
        }

        String url() {
            return base() + "/v1/cvms/" + cvm + "/bundle";
        }

        OwnerId ownerId() {
            return new OwnerId(owner.publicKey().keyId());
        }

        @Override
        public void close() throws Exception {
            server.close();
            controller.close();
        }
    }

    /** The measurement of duet's simulated controller build (SelfAttestation.simulatedSnp), which a demo policy pins. */
    static String simulatedControllerMeasurement() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-384").digest(
                "duet simulated controller measurement v1".getBytes(StandardCharsets.US_ASCII)));
    }

    /** A policy for the deployment: its simulated root trusted by fingerprint, its controller build, its owner; {@code extra} adds rules. */
    private Path policy(Deployment d, String name, String extra) throws Exception {
        return Files.writeString(dir.resolve(name), """
                controller:
                  evidenceKinds: [sev-snp]
                  trustSimulatedRoot: "%s"
                  snp:
                    measurements: ["%s"]
                cvm:
                  evidenceKinds: [sev-snp]
                  allowAdoptedWithoutLaunchEvidence: true
                owners: ["%s"]
                %s""".formatted(d.ark(), simulatedControllerMeasurement(), d.owner().publicKey().keyId(), extra));
    }

    private Path policy(Deployment d, String extra) throws Exception {
        return policy(d, "policy.yaml", extra);
    }

    static void assertValidJunit(Path report) throws Exception {
        SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI).newSchema(JUNIT_XSD.toFile()).newValidator()
                .validate(new StreamSource(new StringReader(Files.readString(report))));
    }

    private Path save(Deployment d, String name, String... extra) throws Exception {
        Path file = dir.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("bundle", "--trust-simulated-root", d.ark(), "--controller", d.base(), d.cvm(),
                "--out", file.toString()));
        args.addAll(List.of(extra));
        EndToEndTest.CliRun saved = cli(args.toArray(String[]::new));
        assertThat(saved.exit()).as(saved.out() + saved.err()).isZero();
        return file;
    }

    @Test
    void aUrlVerifiedOverTheAttestedKeyAgainstAPolicyTrustingTheSimulatedRootIsTrusted() throws Exception {
        try (Deployment d = Deployment.start(dir, true)) {
            Path junit = dir.resolve("report.xml");
            EndToEndTest.CliRun run = cli("verify", d.url(), "--policy", policy(d, "mode: {inService: required}\n").toString(), "--junit",
                    junit.toString());
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            assertThat(run.out()).startsWith("SIMULATED: ").contains("PASS 1 controller-genuine").contains("PASS 5 in-service")
                    .endsWith("TRUSTED (SIMULATED)\n");
            assertThat(run.err()).contains("SIMULATED: TLS key").contains("pinned");
            assertValidJunit(junit);
            assertThat(Files.readString(junit)).contains("failures=\"0\"").contains("name=\"1 controller-genuine\"");

            EndToEndTest.CliRun json = cli("verify", d.url(), "--policy", policy(d, "").toString(), "--json");
            assertThat(json.exit()).as(json.out() + json.err()).isZero();
            assertThat(JSON.readTree(json.out()).path("trusted").booleanValue()).isTrue();
            assertThat(JSON.readTree(json.out()).path("facts").path("nonce").asText()).as("a URL is asked with a fresh nonce").isNotEmpty();
        }
    }

    @Test
    void aUrlMayNameTheCvmByNameAndTheBundleMustBeAboutIt() throws Exception {
        try (Deployment d = Deployment.start(dir, true)) {
            String byName = d.base() + "/v1/cvms/web/bundle";
            EndToEndTest.CliRun run = cli("verify", byName, "--policy", policy(d, "").toString(), "--json");
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            JsonNode report = JSON.readTree(run.out());
            assertThat(report.path("facts").path("cvm").path("id").asText()).isEqualTo(d.cvm());
            assertThat(run.out()).as("the check that the bundle is about the CVM the URL names").contains("bundle.cvm");

            EndToEndTest.CliRun unknown = cli("verify", d.base() + "/v1/cvms/nobody/bundle", "--policy", policy(d, "").toString());
            assertThat(unknown.exit()).as("nothing verified, as verify's exit codes say: " + unknown.out() + unknown.err()).isEqualTo(1);
            assertThat(unknown.err()).contains("404").doesNotContain("Exception");

            EndToEndTest.CliRun malformed = cli("verify", d.base() + "/v1/cvms/we%2Fb/bundle", "--policy", policy(d, "").toString());
            assertThat(malformed.exit()).as(malformed.out() + malformed.err()).isEqualTo(2);
            assertThat(malformed.err().lines().count()).as(malformed.err()).isEqualTo(1);
        }
    }

    @Test
    void withoutTheSimulatedRootInThePolicyTheControllerIsNotGenuine() throws Exception {
        try (Deployment d = Deployment.start(dir, true)) {
            Path policy = Files.writeString(dir.resolve("untrusting.yaml"), """
                    controller:
                      evidenceKinds: [sev-snp]
                    cvm:
                      evidenceKinds: [sev-snp]
                      allowAdoptedWithoutLaunchEvidence: true
                    """);
            EndToEndTest.CliRun run = cli("verify", d.url(), "--policy", policy.toString());
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.err()).startsWith("duet: the TLS key of " + d.base() + " is not attested, so nothing is sent: "
                    + ControllerEvidenceVerifier.SIMULATED_CHECK);

            Path saved = save(d, "bundle.json");
            EndToEndTest.CliRun offline = cli("verify", saved.toString(), "--policy", policy.toString());
            assertThat(offline.exit()).as(offline.out() + offline.err()).isEqualTo(1);
            assertThat(offline.out()).contains("FAIL 1 controller-genuine").contains("FAIL " + ControllerEvidenceVerifier.SIMULATED_CHECK)
                    .doesNotContain("FAIL 2").doesNotContain("FAIL 4").endsWith("failed checks)\n");
        }
    }

    @Test
    void aSavedBundleVerifiesOfflineWithTheNonceItWasAskedWith() throws Exception {
        try (Deployment d = Deployment.start(dir, true)) {
            Path saved = save(d, "bundle.json", "--nonce", "n-42");
            Path policy = policy(d, "requireNonce: false\n");
            EndToEndTest.CliRun right = cli("verify", saved.toString(), "--policy", policy.toString(), "--nonce", "n-42");
            assertThat(right.exit()).as(right.out() + right.err()).isZero();
            assertThat(right.out()).contains("PASS 6 fresh").endsWith("TRUSTED (SIMULATED)\n");

            EndToEndTest.CliRun wrong = cli("verify", saved.toString(), "--policy", policy.toString(), "--nonce", "n-43");
            assertThat(wrong.exit()).as(wrong.out() + wrong.err()).isEqualTo(1);
            assertThat(wrong.out()).contains("FAIL 6 fresh").contains("FAIL bundle.freshness").doesNotContain("FAIL 2");
        }
    }

    @Test
    void aTamperedSavedBundleIsRefusedUnderTheSignatureGuarantee() throws Exception {
        try (Deployment d = Deployment.start(dir, true)) {
            Path saved = save(d, "bundle.json");
            Path policy = policy(d, "");
            ObjectNode bundle = (ObjectNode) JSON.readTree(saved.toFile());
            ObjectNode cvm = (ObjectNode) bundle.path("payload").path("cvm");
            ArrayNode entries = (ArrayNode) cvm.path("entries");
            assertThat(entries.size()).isGreaterThan(3);

            ObjectNode flipped = bundle.deepCopy();
            String text = JSON.writeValueAsString(flipped);
            assertThat(text).contains("\"in-service\"");
            Path modeFlipped = Files.writeString(dir.resolve("mode.json"), text.replace("\"in-service\"", "\"in-update\""));

            Path argvEdited = Files.writeString(dir.resolve("argv.json"), JSON.writeValueAsString(bundle).replace("\"pkg1\"", "\"pkg9\""));
            assertThat(Files.readString(argvEdited)).isNotEqualTo(JSON.writeValueAsString(bundle));

            ObjectNode dropped = bundle.deepCopy();
            ((ArrayNode) dropped.path("payload").path("cvm").path("entries")).remove(2);
            Path entryDropped = Files.writeString(dir.resolve("dropped.json"), JSON.writeValueAsString(dropped));

            for (Path tampered : List.of(modeFlipped, argvEdited, entryDropped)) {
                EndToEndTest.CliRun run = cli("verify", tampered.toString(), "--policy", policy.toString());
                assertThat(run.exit()).as(tampered + ": " + run.out() + run.err()).isEqualTo(1);
                assertThat(run.out()).as(tampered.toString()).contains("FAIL 2 signed-by-controller").contains("FAIL bundle.signature")
                        .endsWith("failed checks)\n");
            }
        }
    }

    @Test
    void eachPolicyMismatchIsExitOneWithItsReason() throws Exception {
        try (Deployment d = Deployment.start(dir, false)) {
            Path saved = save(d, "bundle.json");
            record Case(String rule, String guarantee, String check) {}
            for (Case c : List.of(new Case("mode: {inService: required}\n", "FAIL 5 in-service", "FAIL policy.mode.in-service: "),
                    new Case("forbiddenCommands:\n  - [apt-get, \"**\"]\n", "FAIL 5 in-service",
                            "FAIL policy.forbidden-commands: "),
                    new Case("maxInUpdateWindows: 0\n", "FAIL 5 in-service", "FAIL policy.in-update-windows: "))) {
                EndToEndTest.CliRun run = cli("verify", saved.toString(), "--policy", policy(d, c.rule()).toString());
                assertThat(run.exit()).as(c.rule() + run.out() + run.err()).isEqualTo(1);
                assertThat(run.out()).as(c.rule()).contains(c.guarantee()).contains(c.check()).endsWith("NOT TRUSTED (1 failed check)\n");
            }
            assertThat(cli("verify", saved.toString(), "--policy", policy(d, "forbiddenCommands:\n  - [apt-get, \"**\"]\n").toString())
                    .out()).contains("entry 3 [\"apt-get\", \"install\", \"pkg0\"] matches [\"apt-get\", \"**\"]");

            Thread.sleep(1_100);
            EndToEndTest.CliRun old = cli("verify", saved.toString(), "--policy", policy(d, "maxAge: PT1S\n").toString());
            assertThat(old.exit()).as(old.out() + old.err()).isEqualTo(1);
            assertThat(old.out()).contains("FAIL 6 fresh").contains("FAIL policy.max-age: ").endsWith("NOT TRUSTED (1 failed check)\n");

            Path otherBuild = Files.writeString(dir.resolve("other-build.yaml"), Files.readString(policy(d, ""))
                    .replace(simulatedControllerMeasurement(), "ab".repeat(48)));
            EndToEndTest.CliRun build = cli("verify", saved.toString(), "--policy", otherBuild.toString());
            assertThat(build.exit()).as(build.out() + build.err()).isEqualTo(1);
            assertThat(build.out()).contains("FAIL 1 controller-genuine").contains("FAIL policy.controller.measurement");

            EndToEndTest.CliRun trusted = cli("verify", saved.toString(), "--policy", policy(d, "maxInUpdateWindows: 1\nmaxAge: PT1H\n").toString());
            assertThat(trusted.exit()).as("the same bundle, within every rule: " + trusted.out()).isZero();
        }
    }

    @Test
    void sinceASavedCheckpointOnlyTheChangesAfterItAreListedAndVerified() throws Exception {
        try (Deployment d = Deployment.start(dir, true); Deployment other = Deployment.start(dir.resolve("other"), true)) {
            Path checkpoint = dir.resolve("checkpoint.note");
            EndToEndTest.CliRun saved = cli("log", "checkpoint", "--trust-simulated-root", d.ark(), "--controller", d.base(), "--state-dir",
                    dir.resolve("state").toString(), "--out", checkpoint.toString());
            assertThat(saved.exit()).as(saved.out() + saved.err()).isZero();
            assertThat(Files.readString(checkpoint)).startsWith("duet").contains("\n\n\u2014 ");

            d.controller().setMode(d.ownerId(), d.cvm(), "in-update");
            Path policy = policy(d, "");
            EndToEndTest.CliRun since = cli("verify", d.url(), "--policy", policy.toString(), "--since", checkpoint.toString());
            assertThat(since.exit()).as(since.out() + since.err()).isZero();
            assertThat(since.out()).contains("in-service -> in-update").doesNotContain("pkg0").endsWith("TRUSTED (SIMULATED)\n");

            Path otherCheckpoint = dir.resolve("other.note");
            assertThat(cli("log", "checkpoint", "--trust-simulated-root", other.ark(), "--controller", other.base(), "--state-dir",
                    dir.resolve("state").toString(), "--out", otherCheckpoint.toString()).exit()).isZero();
            EndToEndTest.CliRun forked = cli("verify", d.url(), "--policy", policy.toString(), "--since", otherCheckpoint.toString());
            assertThat(forked.exit()).as(forked.out() + forked.err()).isEqualTo(1);
            assertThat(forked.out()).contains("FAIL 4 complete-history").contains("FAIL consistency");
        }
    }

    @Test
    void usageErrorsAreExitTwoInOneLine() throws Exception {
        try (Deployment d = Deployment.start(dir, true)) {
            Path policy = policy(d, "");
            Path unknownKey = Files.writeString(dir.resolve("unknown.yaml"), Files.readString(policy) + "maxage: PT1H\n");
            Path notJson = Files.writeString(dir.resolve("garbage.json"), "not a bundle");
            record Case(List<String> args, String message) {}
            for (Case c : List.of(
                    new Case(List.of("verify", d.url(), "--policy", dir.resolve("none.yaml").toString()),
                            "duet: cannot read policy " + dir.resolve("none.yaml") + ": no such file\n"),
                    new Case(List.of("verify", d.url(), "--policy", unknownKey.toString()), "duet: policy " + unknownKey + ": maxage: unknown key"),
                    new Case(List.of("verify", d.url() + "?nonce=mine", "--policy", policy.toString()), "duet: URL: give the bundle's address"),
                    new Case(List.of("verify", d.url(), "--policy", policy.toString(), "--nonce", "n1"),
                            "duet: --nonce applies to a saved bundle; a URL is asked with a fresh nonce\n"),
                    new Case(List.of("verify", dir.resolve("missing.json").toString(), "--policy", policy.toString()),
                            "duet: cannot read bundle " + dir.resolve("missing.json") + ": no such file\n"),
                    new Case(List.of("verify", dir.toString(), "--policy", policy.toString()), "duet: cannot read bundle " + dir))) {
                EndToEndTest.CliRun run = cli(c.args().toArray(String[]::new));
                assertThat(run.exit()).as(c.args() + ": " + run.out() + run.err()).isEqualTo(2);
                assertThat(run.out()).as(c.args().toString()).isEmpty();
                assertThat(run.err()).as(c.args().toString()).startsWith(c.message()).endsWith("\n");
                assertThat(run.err().lines()).as(c.args().toString()).hasSize(1);
            }
            EndToEndTest.CliRun noPolicy = cli("verify", d.url());
            assertThat(noPolicy.exit()).isEqualTo(2);
            assertThat(noPolicy.err()).as("picocli's usage follows, as for every verb").startsWith("duet: Missing required option: '--policy=FILE'\n"
                    + "Usage: duet verify");
            EndToEndTest.CliRun notABundle = cli("verify", notJson.toString(), "--policy", policy.toString());
            assertThat(notABundle.exit()).as("a file that is not a bundle is read, and is not trusted").isEqualTo(1);
            assertThat(notABundle.out()).contains("FAIL bundle.document");
        }
    }

    @Test
    void aRelayPresentingAnotherKeyIsRefusedBeforeTheBundleIsAskedFor() throws Exception {
        try (Deployment d = Deployment.start(dir, true);
                AttestedTransportTest.Relay relay = AttestedTransportTest.Relay.start(d.server().port(), connection -> false)) {
            String url = "https://127.0.0.1:" + relay.port() + "/v1/cvms/" + d.cvm() + "/bundle";
            EndToEndTest.CliRun run = cli("verify", url, "--policy", policy(d, "").toString());
            assertThat(run.exit()).as("not trusted, as verify's exit codes say: " + run.out() + run.err()).isEqualTo(1);
            assertThat(run.err()).startsWith("duet: the controller at https://127.0.0.1:" + relay.port() + " presented TLS key SHA-256 "
                    + relay.keySha256() + ", but its evidence binds TLS key " + d.controller().tls().sha256().hex() + ": a party in the middle");
            assertThat(relay.seen()).startsWith("GET /v1/controller/evidence?nonce=").doesNotContain("/bundle");
            assertThat(relay.requests()).isEqualTo(1);
        }
    }
}
