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
 * A saved state verified offline against the user's own checkpoint memory: once the user has seen
 * the log grow past the state's checkpoint, the state is stale (the CVM may have changed since) and
 * not trusted, though its signature and history still verify.
 */
class StaleStateTest {
    @TempDir Path dir;

    @Test
    void aSavedStateOlderThanTheRememberedCheckpointIsNotTrusted() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        String stateDir = dir.resolve("memory").toString();
        Path saved = dir.resolve("state.json");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            Path pinned = Files.writeString(dir.resolve("controller.pub"), running.controller.signingKey().toPem());
            EndToEndTest.CliRun adopt = EndToEndTest.adopt(running.url(), ownerKey, "web", sshd);
            assertThat(adopt.exit()).as(adopt.err()).isZero();
            String cvm = adopt.out().split(" ")[0];
            assertThat(cli("state", "--controller", running.url(), cvm, "--out", saved.toString()).exit()).isZero();
            long signedSize = TestOwner.JSON.readTree(Files.readString(saved)).at("/state/payload/log/size").asLong();
            String[] offline = {"verify-state", "--file", saved.toString(), "--controller-key", pinned.toString(), "--state-dir", stateDir};

            EndToEndTest.CliRun nothingRemembered = cli(offline);
            assertThat(nothingRemembered.exit()).as(nothingRemembered.out() + nothingRemembered.err()).isZero();
            assertThat(cli("log", "checkpoint", "--controller", running.url(), "--controller-key", pinned.toString(), "--state-dir", stateDir)
                    .exit()).isZero();
            EndToEndTest.CliRun same = cli(offline);
            assertThat(same.exit()).as(same.out() + same.err()).isZero();
            assertThat(same.out()).contains("ok   checkpoint memory").endsWith("TRUSTED\n");

            assertThat(cli("mode", "--controller", running.url(), "--key", ownerKey.toString(), cvm, "in-service").exit()).isZero();
            EndToEndTest.CliRun seen = cli("log", "checkpoint", "--json", "--controller", running.url(), "--controller-key", pinned.toString(),
                    "--state-dir", stateDir);
            assertThat(seen.exit()).as(seen.out() + seen.err()).isZero();
            long grownSize = TestOwner.JSON.readTree(seen.out()).at("/checkpoint/size").asLong();
            assertThat(grownSize).isGreaterThan(signedSize);

            String reason = "stale: the log has grown from " + signedSize + " to " + grownSize
                    + " entries since this state was signed; fetch a fresh state";
            EndToEndTest.CliRun stale = cli(offline);
            assertThat(stale.exit()).as(stale.out() + stale.err()).isEqualTo(1);
            assertThat(stale.out()).contains("FAIL checkpoint memory: " + reason).endsWith("NOT TRUSTED\n");
            assertThat(stale.err()).isEqualTo("duet: " + reason + "\n");

            String[] json = new String[offline.length + 1];
            json[0] = "verify-state";
            json[1] = "--json";
            System.arraycopy(offline, 1, json, 2, offline.length - 1);
            EndToEndTest.CliRun staleJson = cli(json);
            assertThat(staleJson.exit()).isEqualTo(1);
            JsonNode report = TestOwner.JSON.readTree(staleJson.out());
            assertThat(report.path("trusted").isBoolean()).as(staleJson.out()).isTrue();
            assertThat(report.path("trusted").asBoolean()).isFalse();
            assertThat(report.path("reason").asText()).isEqualTo(reason);
        }
    }
}
