package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What reaches the CVM's SSH server is what every supported server takes, and what comes back is
 * reported for what it is: an argv whose command line is too long is refused before anything is
 * logged as started or sent, and a session that dies under a command is a transport failure
 * (command.failed, 502), never a completed command.
 */
class CommandTransportTest {
    @TempDir Path dir;

    static long logins(OpenSshServer sshd) throws Exception {
        return sshd.log().lines().filter(l -> l.contains("Accepted publickey")).count();
    }

    @Test
    void anArgvLongerThanTheRemoteShellTakesIsRefusedBeforeAnythingIsLoggedOrSent() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String path = "/v1/cvms/" + cvm + "/commands";
            long loginsBefore = logins(sshd);
            for (String huge : List.of("'".repeat(70_000), "x".repeat(256 * 1024))) {
                long before = ApiRefusalTest.logSizeOf(owner);
                String body = TestOwner.JSON.createObjectNode().set("argv", TestOwner.JSON.createArrayNode().add("printf").add("%s").add(huge))
                        .toString();
                TestOwner.Reply reply = owner.signed("POST", path, body);
                ApiRefusalTest.assertProblem(reply, 400, "invalid-request");
                assertThat(reply.body().path("detail").asText()).contains("8192");
                List<JsonNode> since = EndToEndTest.entries(owner).subList((int) before, (int) ApiRefusalTest.logSizeOf(owner));
                assertThat(EndToEndTest.kinds(since)).containsExactly(EntryKind.REQUEST_REFUSED.wire());
            }
            assertThat(sshd.log()).doesNotContain("Bad packet length").doesNotContain("Connection corrupted");
            TestOwner.Reply after = owner.signed("POST", path, "{\"argv\":[\"echo\",\"still here\"]}");
            assertThat(after.status()).as(after.raw()).isEqualTo(200);
            assertThat(EndToEndTest.decode(after.body().path("stdout"))).isEqualTo("still here\n");
            assertThat(logins(sshd)).as("nothing reached sshd, so the session was never dropped").isEqualTo(loginsBefore);
        }
    }

    @Test
    void aSessionThatDiesUnderACommandIsCommandFailedAndTheNextCommandReconnects() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String path = "/v1/cvms/" + cvm + "/commands";
            long loginsBefore = logins(sshd);
            CompletableFuture<TestOwner.Reply> reply = CompletableFuture.supplyAsync(() -> {
                try {
                    return owner.signed("POST", path, "{\"argv\":[\"sleep\",\"30\"],\"timeout_seconds\":60}");
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!sshd.runs("sleep", "30") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            sshd.killSessions();
            TestOwner.Reply failed = reply.get(30, TimeUnit.SECONDS);
            ApiRefusalTest.assertProblem(failed, 502, "target-failed");
            assertThat(failed.body().path("detail").asText()).contains("without an exit status");
            List<JsonNode> entries = EndToEndTest.entries(owner);
            assertThat(EndToEndTest.kinds(entries.subList(entries.size() - 2, entries.size())))
                    .containsExactly(EntryKind.COMMAND_STARTED.wire(), EntryKind.COMMAND_FAILED.wire());
            assertThat(EndToEndTest.kinds(entries)).doesNotContain(EntryKind.COMMAND_COMPLETED.wire());

            TestOwner.Reply again = owner.signed("POST", path, "{\"argv\":[\"echo\",\"back\"]}");
            assertThat(again.status()).as(again.raw()).isEqualTo(200);
            assertThat(EndToEndTest.decode(again.body().path("stdout"))).as(again.raw()).isEqualTo("back\n");
            assertThat(logins(sshd)).as("the dead session was replaced by a new one").isEqualTo(loginsBefore + 1);
        }
    }
}
