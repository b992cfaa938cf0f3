package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.cli.DuetCli;
import dev.duet.log.ChainVerdict;
import dev.duet.log.ChainVerifier;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole duet workflow against Debian's real sshd: adopt, run commands, switch to in-service, be
 * refused, restart the controller on the same data directory, and verify the state with the CLI.
 */
class EndToEndTest {
    @TempDir Path dir;

    record CliRun(int exit, String out, String err) {}

    /** The CLI in this JVM on byte streams (as a process has), its output read back as UTF-8. */
    static CliRun cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DuetCli.commandLine(out, err, args).execute(args);
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code duet adopt --wait} of the test sshd, with the owner key in {@code ownerKeyFile}. */
    static CliRun adopt(String url, Path ownerKeyFile, String name, OpenSshServer sshd) throws Exception {
        return cli("adopt", "--controller", url, "--key", ownerKeyFile.toString(), "--name", name,
                "--host", "127.0.0.1", "--port", String.valueOf(sshd.port()), "--user", OpenSshServer.user(),
                "--host-key", sshd.hostPublicKey(), "--bootstrap-key", sshd.bootstrapKeyFile().toString(),
                "--authorized-keys-path", sshd.authorizedKeys().toString(), "--wait");
    }

    @Test
    void ownerWorkflowSurvivesARestartAndTheUserVerifiesIt() throws Exception {
        Path ownerKeyFile = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKeyFile.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKeyFile));
        Path data = dir.resolve("data");

        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            String cvm;
            RunningController running = RunningController.start(data, List.of(owner.publicKey()));
            try {
                String url = running.url();
                CliRun adopt = adopt(url, ownerKeyFile, "web-1", sshd);
                assertThat(adopt.exit()).as(adopt.err()).isZero();
                cvm = adopt.out().split(" ")[0];
                assertThat(adopt.out()).contains("in-update");
                assertThat(Files.readString(sshd.authorizedKeys())).startsWith("ssh-ed25519 ").contains("duet-controller-" + cvm)
                        .doesNotContain(Files.readString(sshd.bootstrapKeyFile().resolveSibling("bootstrap_ed25519.pub")).split(" ")[1]);

                CliRun mixed = cli("run", "--controller", url, "--key", ownerKeyFile.toString(), "--json", cvm, "--",
                        "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 7");
                assertThat(mixed.exit()).as("the remote command's status, as ssh passes it on").isEqualTo(7);
                JsonNode result = TestOwner.JSON.readTree(mixed.out());
                assertThat(result.path("exit_status").asInt()).isEqualTo(7);
                assertThat(decode(result.path("stdout"))).isEqualTo("to-stdout\n");
                assertThat(decode(result.path("stderr"))).isEqualTo("to-stderr\n");

                Path marker = dir.resolve("injected");
                String hostile = "a b; touch " + marker + " && echo $(id) `id` | cat > /dev/null & \"'*";
                CliRun literal = cli("run", "--controller", url, "--key", ownerKeyFile.toString(), cvm, "--", "printf", "%s", hostile);
                assertThat(literal.exit()).as(literal.err()).isZero();
                assertThat(literal.out()).isEqualTo(hostile);
                assertThat(marker).doesNotExist();

                assertThat(sshd.log().lines().filter(l -> l.contains("Accepted publickey")).count())
                        .as("one login for the bootstrap key; two for the controller key (once added, once alone in the file), the second reused by every command")
                        .isEqualTo(3);
                String stateDir = dir.resolve("owners-state").toString();
                CliRun owners = cli("owners", "--controller", url, "--key", ownerKeyFile.toString(), "--allow-no-tee", "--state-dir", stateDir);
                assertThat(owners.exit()).as(owners.out() + owners.err()).isZero();
                assertThat(owners.out()).contains("your key " + owner.publicKey().keyId() + " is registered");
                Path strangerKey = dir.resolve("stranger.key");
                cli("keygen", "--out", strangerKey.toString());
                assertThat(cli("owners", "--controller", url, "--key", strangerKey + ".pub", "--allow-no-tee", "--state-dir", stateDir).exit())
                        .isEqualTo(1);

                assertThat(cli("mode", "--controller", url, "--key", ownerKeyFile.toString(), cvm, "in-service").exit()).isZero();
                CliRun refused = cli("run", "--controller", url, "--key", ownerKeyFile.toString(), cvm, "--", "touch", marker.toString());
                assertThat(refused.exit()).as("refused by the controller").isEqualTo(254);
                assertThat(refused.err()).contains("409").contains("mode-forbids");
                assertThat(marker).doesNotExist();
            } finally {
                running.close();
            }

            List<JsonNode> before;
            try (RunningController again = RunningController.start(data, List.of())) {
                TestOwner http = new TestOwner(again.port(), owner);
                JsonNode listed = http.get("/v1/cvms").body().path("cvms");
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).path("mode").asText()).isEqualTo("in-service");
                before = entries(http);
                assertThat(kinds(before)).containsExactly(EntryKind.OWNER_REGISTERED.wire(), EntryKind.CVM_ADOPTION_STARTED.wire(), EntryKind.POLICY_SET.wire(),
                        EntryKind.CVM_ADOPTED.wire(), EntryKind.COMMAND_STARTED.wire(), EntryKind.COMMAND_COMPLETED.wire(), EntryKind.COMMAND_STARTED.wire(), EntryKind.COMMAND_COMPLETED.wire(),
                        EntryKind.MODE_CHANGED.wire(), EntryKind.REQUEST_REFUSED.wire());
                assertThat(chain(before)).isInstanceOf(ChainVerdict.Intact.class);

                CliRun verified = cli("verify-state", "--controller", again.url(), "--allow-no-tee", "--state-dir", dir.resolve("state").toString(), cvm);
                assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
                assertThat(verified.out()).contains("INSECURE").contains("TRUSTED").contains("is in-service since log entry 8; no command ran since");

                CliRun refusedWithoutFlag = cli("verify-state", "--controller", again.url(), "--state-dir", dir.resolve("state").toString(), cvm);
                assertThat(refusedWithoutFlag.exit()).isEqualTo(1);
                assertThat(refusedWithoutFlag.out()).contains("controller not attested").contains("NOT TRUSTED");

                Path pinned = dir.resolve("controller.pub");
                Files.writeString(pinned, again.controller.signingKey().toPem());
                Path saved = dir.resolve("state.json");
                assertThat(cli("state", "--controller", again.url(), cvm, "--out", saved.toString()).exit()).isZero();
                assertThat(cli("verify-state", "--file", saved.toString(), "--controller-key", pinned.toString()).exit()).isZero();
                Files.writeString(saved, Files.readString(saved).replace("\"in-service\"", "\"in-update\""));
                CliRun tampered = cli("verify-state", "--file", saved.toString(), "--controller-key", pinned.toString());
                assertThat(tampered.exit()).isEqualTo(1);
                assertThat(tampered.out()).contains("FAIL signature");

                String ownerKey = ownerKeyFile.toString();
                assertThat(cli("mode", "--controller", again.url(), "--key", ownerKey, cvm, "in-update").exit()).isZero();
                CliRun afterRestart = cli("run", "--controller", again.url(), "--key", ownerKey, cvm, "--", "echo", "still mine");
                assertThat(afterRestart.exit()).as(afterRestart.err()).isZero();
                assertThat(afterRestart.out()).isEqualTo("still mine\n");
                CliRun stopped = cli("stop", "--controller", again.url(), "--key", ownerKey, cvm);
                assertThat(stopped.out()).contains("stopped");
                assertThat(cli("run", "--controller", again.url(), "--key", ownerKey, cvm, "--", "true").err()).contains("409");

                List<JsonNode> after = entries(http);
                assertThat(after.subList(0, before.size())).isEqualTo(before);
                assertThat(chain(after)).isInstanceOf(ChainVerdict.Intact.class);
                assertThat(cli("verify-state", "--controller", again.url(), "--allow-no-tee", "--state-dir", dir.resolve("state").toString(), cvm).out()).contains("is stopped").contains("TRUSTED");
            }
        }
    }

    static String decode(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
    }

    static List<JsonNode> entries(TestOwner http) throws Exception {
        List<JsonNode> list = new ArrayList<>();
        long size;
        do {
            JsonNode page = http.get("/v1/log/entries?start=" + list.size()).body();
            page.path("entries").forEach(list::add);
            size = page.path("size").asLong();
        } while (list.size() < size);
        return list;
    }

    static List<String> kinds(List<JsonNode> entries) {
        return entries.stream().map(e -> e.path("kind").asText()).toList();
    }

    static ChainVerdict chain(List<JsonNode> entries) throws Exception {
        List<byte[]> encoded = new ArrayList<>();
        for (JsonNode e : entries) {
            encoded.add(EntryCodec.encode(EntryCodec.fromJson(e)));
        }
        return ChainVerifier.verifyLog(encoded);
    }
}
