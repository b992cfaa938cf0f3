package dev.duet.cli;

import static dev.duet.cli.CliInputTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.TestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One vocabulary for every check the CLI reports: a state check says what it expected and what the
 * state had, in the same members and the same line as an attestation check, so that a user or a
 * program reads both reports alike.
 */
class CheckVocabularyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    private static List<String> members(JsonNode check) {
        List<String> names = new ArrayList<>();
        check.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aStateCheckIsReportedInTheMembersOfAnAttestationCheck() throws Exception {
        Path report = Files.write(dir.resolve("report.bin"), TestVectors.bytes("snp/milan_v3_oak_report.bin"));
        Path vcek = Files.write(dir.resolve("vcek.der"), TestVectors.bytes("snp/milan_v3_oak_vcek.der"));
        CliInputTest.Run attest = run("attest", "verify", "--json", report.toString(), "--cert", vcek.toString(), "--at", "2025-09-01T00:00:00Z");
        List<String> vocabulary = members(JSON.readTree(attest.out()).path("checks").get(0));
        assertThat(vocabulary).containsExactly("id", "passed", "expected", "actual", "reason");

        CliInputTest.Run state = run("verify-state", "--json", "--file", Goldens.file(dir, "state-host-key-swapped.json").toString(),
                "--controller-key", Goldens.controllerKey(dir).toString(), "--state-dir", dir.resolve("memory").toString());
        assertThat(state.exit()).as(state.out() + state.err()).isEqualTo(1);
        JsonNode checks = JSON.readTree(state.out()).path("checks");
        assertThat(checks).isNotEmpty();
        checks.forEach(check -> assertThat(members(check)).as(check.toString()).containsAll(vocabulary));
        JsonNode hostKey = checks.findParents("id").stream().filter(c -> c.path("id").asText().equals("host key")).findFirst().orElseThrow();
        assertThat(hostKey.path("passed").asBoolean(true)).isFalse();
        assertThat(hostKey.path("expected").asText()).as("the key adoption recorded").contains("AAAAIIwrrfywbQSLLuW0");
        assertThat(hostKey.path("actual").asText()).as("the key the state names").contains("OtherKeyOtherKey");
    }

    @Test
    void aFailedStateCheckSaysWhatWasExpectedAndWhatTheStateHad() {
        CliInputTest.Run text = run("verify-state", "--file", Goldens.file(dir, "state-mode-not-where-history-leads.json").toString(),
                "--controller-key", Goldens.controllerKey(dir).toString(), "--state-dir", dir.resolve("memory").toString());
        assertThat(text.exit()).as(text.out() + text.err()).isEqualTo(1);
        assertThat(text.out()).containsPattern("FAIL mode: .*\\(expected in-service, got in-update\\)\n").endsWith("NOT TRUSTED\n");
    }
}
