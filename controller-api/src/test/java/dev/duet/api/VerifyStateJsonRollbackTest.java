package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real rollback (the controller restarted on an older copy of its data directory) makes
 * verify-state's verdict "not trusted" before anything is printed: in the JSON document on stdout,
 * which stays one document, and in the text report.
 */
class VerifyStateJsonRollbackTest {
    @TempDir Path dir;

    @Test
    void aRollbackIsNotTrustedInTheVerdict() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        Path data = dir.resolve("data");
        Path older = dir.resolve("older");
        String stateDir = dir.resolve("state").toString();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            String cvm;
            try (RunningController running = RunningController.start(data, List.of(owner.publicKey()))) {
                EndToEndTest.CliRun adopt = EndToEndTest.adopt(running.url(), ownerKey, "web", sshd);
                assertThat(adopt.exit()).as(adopt.err()).isZero();
                cvm = adopt.out().split(" ")[0];
            }
            RunningController.copyDataDirectory(data, older);
            try (RunningController running = RunningController.start(data, List.of())) {
                assertThat(cli("run", "--controller", running.url(), "--key", ownerKey.toString(), cvm, "--", "true").exit()).isZero();
                EndToEndTest.CliRun first = cli("verify-state", "--json", "--controller", running.url(), "--allow-no-tee",
                        "--state-dir", stateDir, cvm);
                assertThat(first.exit()).as(first.out() + first.err()).isZero();
                assertThat(TestOwner.JSON.readTree(first.out()).path("trusted").asBoolean()).isTrue();
            }
            try (RunningController rolledBack = RunningController.start(older, List.of())) {
                EndToEndTest.CliRun rollback = cli("verify-state", "--json", "--controller", rolledBack.url(), "--allow-no-tee",
                        "--state-dir", stateDir, cvm);
                assertThat(rollback.exit()).isEqualTo(1);
                JsonNode report = TestOwner.JSON.readTree(rollback.out());
                assertThat(report.path("trusted").isBoolean()).as(rollback.out()).isTrue();
                assertThat(report.path("trusted").asBoolean()).as("a rollback is never trusted, though the older state verifies").isFalse();
                JsonNode memory = report.path("checkpoint_memory");
                assertThat(memory.path("verdict").asText()).isEqualTo("rollback");
                assertThat(memory.at("/remembered/size").asLong()).isGreaterThan(memory.at("/offered/size").asLong());
                assertThat(report.path("checks").findValuesAsText("name")).contains("checkpoint memory");
                assertThat(rollback.err()).contains("rollback detected");

                EndToEndTest.CliRun text = cli("verify-state", "--controller", rolledBack.url(), "--allow-no-tee", "--state-dir", stateDir, cvm);
                assertThat(text.exit()).isEqualTo(1);
                assertThat(text.out()).contains("FAIL checkpoint memory: ROLLBACK").contains("remembered checkpoint:").endsWith("NOT TRUSTED\n");
            }
        }
    }
}
