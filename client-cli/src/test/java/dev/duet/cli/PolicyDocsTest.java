package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.duet.protocol.policy.DeploymentPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy docs stay true: policy-file.md's examples are policies {@code duet verify} reads;
 * ci.md's policy is one too, and its workflow is YAML whose verify step runs {@code duet verify}
 * with that policy and writes the report the publishing step reads.
 */
class PolicyDocsTest {
    private static final Path DOC = Path.of("..", "docs", "ci.md");
    private static final Pattern EXAMPLE = Pattern.compile("<!-- policy example: (json|yaml) -->\n```\\1\n(.*?)```", Pattern.DOTALL);
    private static final Pattern BLOCK = Pattern.compile("<!-- ci: (\\S+) -->\\n```yaml\\n(.*?)```", Pattern.DOTALL);

    @TempDir Path dir;

    private static List<String[]> blocks() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(DOC));
        List<String[]> found = new ArrayList<>();
        while (m.find()) {
            found.add(new String[] {m.group(1), m.group(2)});
        }
        return found;
    }

    private static String block(String name) throws Exception {
        return blocks().stream().filter(b -> b[0].equals(name)).map(b -> b[1]).findFirst().orElseThrow(() -> new AssertionError(
                "docs/ci.md has no block marked <!-- ci: " + name + " -->"));
    }

    @Test
    void thePolicyFileExamplesArePolicies() throws Exception {
        Matcher m = EXAMPLE.matcher(Files.readString(Path.of("..", "docs", "policy-file.md")));
        List<String> read = new ArrayList<>();
        while (m.find()) {
            DeploymentCheck.policy(Files.writeString(dir.resolve("example." + m.group(1)), m.group(2)));
            read.add(m.group(1));
        }
        assertThat(read).containsExactly("json", "yaml");
    }

    @Test
    void thePolicyInTheCiDocIsAPolicy() throws Exception {
        assertThat(blocks()).extracting(b -> b[0]).containsExactly("policy.yaml", ".github/workflows/verify-deployment.yml");
        DeploymentPolicy policy = DeploymentCheck.policy(Files.writeString(dir.resolve("policy.yaml"), block("policy.yaml")));
        assertThat(policy.requireNonce()).isTrue();
        assertThat(policy.forbiddenCommands()).hasSize(2);
        assertThat(policy.controller().simulatedArk()).as("a CI policy for production trusts no simulated root").isEmpty();
    }

    @Test
    void theWorkflowVerifiesWithThatPolicyAndPublishesTheReportItWrites() throws Exception {
        JsonNode workflow = new YAMLMapper().readTree(block(".github/workflows/verify-deployment.yml"));
        JsonNode steps = workflow.path("jobs").path("verify").path("steps");
        assertThat(steps.isArray()).isTrue();
        JsonNode verify = null;
        JsonNode publish = null;
        for (JsonNode step : steps) {
            if (step.path("run").asText().contains("duet verify")) {
                verify = step;
            }
            if (step.path("uses").asText().startsWith("mikepenz/action-junit-report@")) {
                publish = step;
            }
        }
        assertThat(verify).as("a step that runs duet verify").isNotNull();
        assertThat(verify.path("run").asText()).contains("--policy policy.yaml").contains("--junit report.xml");
        assertThat(publish).as("a step that publishes the JUnit report").isNotNull();
        assertThat(publish.path("if").asText()).isEqualTo("success() || failure()");
        assertThat(publish.path("with").path("report_paths").asText()).isEqualTo("report.xml");
        assertThat(publish.path("with").path("require_tests").asBoolean()).isTrue();
        assertThat(workflow.path("permissions").path("checks").asText()).isEqualTo("write");
    }
}
