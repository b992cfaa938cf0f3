package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CVM's name wherever the CLI takes an id, and {@code duet remove}, against the real controller
 * and Debian's real sshd (the server side resolves names in {@code /v1/cvms/{id}} routes and serves
 * {@code DELETE /v1/cvms/{id}/listing}): the user verifies, pages and manages the CVM by name, removes
 * it once stopped, and still verifies its history by id afterwards.
 */
class CvmNamesCliTest {
    @TempDir Path dir;

    @Test
    void aCvmIsManagedAndVerifiedByNameAndRemovedOnceStopped() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        String key = ownerKey.toString();
        String state = dir.resolve("state").toString();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            String url = running.url();
            EndToEndTest.CliRun adopt = EndToEndTest.adopt(url, ownerKey, "web-1", sshd);
            assertThat(adopt.exit()).as(adopt.err()).isZero();
            String cvm = adopt.out().split(" ")[0];

            EndToEndTest.CliRun verified = cli("verify-state", "--controller", url, "--allow-no-tee", "--state-dir", state, "web-1");
            assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
            assertThat(verified.out()).contains("CVM " + cvm + " (web-1) is in-update").contains("TRUSTED");
            EndToEndTest.CliRun saved = cli("state", "--controller", url, "web-1", "--out", dir.resolve("state.json").toString());
            assertThat(saved.exit()).as(saved.err()).isZero();
            assertThat(cli("bundle", "--controller", url, "web-1", "--out", dir.resolve("bundle.json").toString()).exit()).isZero();

            EndToEndTest.CliRun ran = cli("run", "--controller", url, "--key", key, "web-1", "--", "echo", "by name");
            assertThat(ran.exit()).as(ran.err()).isZero();
            assertThat(ran.out()).isEqualTo("by name\n");
            assertThat(cli("mode", "--controller", url, "--key", key, "web-1", "in-service").exit()).isZero();

            EndToEndTest.CliRun early = cli("remove", "--controller", url, "--key", key, "web-1");
            assertThat(early.exit()).as("only a stopped or failed CVM leaves the list").isEqualTo(1);
            assertThat(early.err()).contains("409");
            assertThat(cli("stop", "--controller", url, "--key", key, "web-1").out()).contains("stopped");
            EndToEndTest.CliRun removed = cli("remove", "--controller", url, "--key", key, "web-1");
            assertThat(removed.exit()).as(removed.err()).isZero();
            assertThat(removed.out()).startsWith(cvm + " (web-1, stopped) removed from the list");

            assertThat(cli("list", "--controller", url).out()).doesNotContain(cvm);
            assertThat(cli("state", "--controller", url, "web-1").exit()).as("a removed CVM is addressed by id only").isEqualTo(1);
            EndToEndTest.CliRun byId = cli("verify-state", "--controller", url, "--allow-no-tee", "--state-dir", state, cvm);
            assertThat(byId.exit()).as(byId.out() + byId.err()).isZero();
            assertThat(byId.out()).contains("is stopped").contains("TRUSTED");
            EndToEndTest.CliRun history = cli("log", "entries", "--controller", url, "--allow-no-tee", "--state-dir", state, "--cvm", cvm);
            assertThat(history.exit()).as(history.out() + history.err()).isZero();
            assertThat(history.out()).contains("  cvm.removed  " + cvm).contains("each included in the checkpoint");
        }
    }
}
