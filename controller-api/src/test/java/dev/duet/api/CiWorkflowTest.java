package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/ci.md's workflow runs as written (issue 11 item 8): the {@code run:} script of its verify
 * step, taken from the doc's YAML, run by bash as GitHub Actions runs it ({@code bash -eo pipefail}),
 * in a directory holding the shaded CLI jar as {@code duet.jar} (what the download step leaves) and
 * the doc's policy as {@code policy.yaml}, with {@code DUET_BUNDLE_URL} the bundle of a CVM on a real
 * HTTPS controller with simulated SNP attestation. Trusted: exit 0 and a JUnit report valid against
 * the schema; after the CVM is switched back to in-update: exit 1, and the report's in-service test
 * case fails.
 *
 * <p>The policy is the doc's, with what names a particular deployment replaced by this one's (the
 * controller build is duet's simulated one, and its root is trusted by fingerprint; the owner; the
 * CVM is adopted over SSH, so it has no launch evidence and no fresh report, and went in service
 * seconds ago): every other rule is kept as the doc has it.
 */
class CiWorkflowTest {
    private static final Path DOC = Path.of("..", "docs", "ci.md");
    private static final Pattern BLOCK = Pattern.compile("<!-- ci: (\\S+) -->\\n```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir Path dir;

    private static String block(String name) throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(DOC));
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return m.group(2);
            }
        }
        throw new AssertionError("docs/ci.md has no block marked <!-- ci: " + name + " -->");
    }

    /** The verify step of the doc's workflow: its script and its environment's names. */
    private static JsonNode verifyStep() throws Exception {
        for (JsonNode step : YAML.readTree(block(".github/workflows/verify-deployment.yml")).path("jobs").path("verify").path("steps")) {
            if (step.path("run").asText().contains("duet verify")) {
                return step;
            }
        }
        throw new AssertionError("docs/ci.md's workflow has no step that runs duet verify");
    }

    /** The shaded CLI jar the reactor built (client-cli's package phase, which {@code mvn verify} runs before this module's tests). */
    static Path cliJar() throws Exception {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("..", "client-cli", "target"), "client-cli-*-all.jar")) {
            for (Path jar : jars) {
                return jar.toAbsolutePath().normalize();
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // Reported below.
        }
        return fail("no client-cli/target/client-cli-*-all.jar: build it first (mvn -pl controller-api -am verify packages it)");
    }

    private Path policy(VerifyCommandTest.Deployment d) throws Exception {
        ObjectNode policy = (ObjectNode) YAML.readTree(block("policy.yaml"));
        ObjectNode controller = (ObjectNode) policy.path("controller");
        controller.put("trustSimulatedRoot", d.ark());
        ObjectNode snp = (ObjectNode) controller.path("snp");
        snp.putArray("measurements").add(VerifyCommandTest.simulatedControllerMeasurement());
        snp.remove("minimumTcb");
        policy.putObject("cvm").put("allowAdoptedWithoutLaunchEvidence", true).putArray("evidenceKinds").add("sev-snp");
        policy.putArray("owners").add(d.owner().publicKey().keyId());
        ((ObjectNode) policy.path("mode")).remove("forAtLeast");
        policy.put("requireNonce", false);
        assertThat(policy.has("forbiddenCommands") && policy.has("maxInUpdateWindows") && policy.has("maxAge")).as("the doc's other rules")
                .isTrue();
        return Files.writeString(dir.resolve("work").resolve("policy.yaml"), YAML.writeValueAsString(policy));
    }

    private record Run(int exit, String out) {}

    private Run runStep(JsonNode step, String bundleUrl) throws Exception {
        Path work = dir.resolve("work");
        Path script = Files.writeString(dir.resolve("step.sh"), step.path("run").asText());
        Files.deleteIfExists(work.resolve("report.xml"));
        ProcessBuilder builder = new ProcessBuilder("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString()).directory(work.toFile())
                .redirectErrorStream(true);
        builder.environment().put("DUET_BUNDLE_URL", bundleUrl);
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theWorkflowsVerifyStepGatesOnTheDeployment() throws Exception {
        JsonNode step = verifyStep();
        List<String> env = new ArrayList<>();
        step.path("env").fieldNames().forEachRemaining(env::add);
        assertThat(env).as("the step's environment is the bundle URL only").containsExactly("DUET_BUNDLE_URL");
        Files.createDirectories(dir.resolve("work"));
        Files.createSymbolicLink(dir.resolve("work").resolve("duet.jar"), cliJar());
        try (VerifyCommandTest.Deployment d = VerifyCommandTest.Deployment.start(dir, true)) {
            policy(d);
            Run trusted = runStep(step, d.url());
            assertThat(trusted.exit()).as(trusted.out()).isZero();
            assertThat(trusted.out()).contains("\nTRUSTED (SIMULATED)\n");
            Path report = dir.resolve("work").resolve("report.xml");
            VerifyCommandTest.assertValidJunit(report);
            assertThat(Files.readString(report)).contains("failures=\"0\"");

            d.controller().setMode(d.ownerId(), d.cvm(), "in-update");
            Run refused = runStep(step, d.url());
            assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
            VerifyCommandTest.assertValidJunit(report);
            String xml = Files.readString(report);
            assertThat(xml).contains("failures=\"1\"");
            Matcher inService = Pattern.compile("<testcase [^>]*name=\"5 in-service\"[^>]*>\\s*<failure [^>]*type=\"policy.mode.in-service\"")
                    .matcher(xml);
            assertThat(inService.find()).as(xml).isTrue();
        }
    }
}
