package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.provisioner.testing.OpenSshServer;
import dev.duet.protocol.entry.Payload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The machine goes away after adoption: the attempt is logged (started, then failed) and answered 502; it comes back and commands work again. */
class TargetFailureTest {
    @TempDir Path dir;

    @Test
    void anUnreachableMachineIsA502WithTheAttemptLoggedAndTheSessionComesBack() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String body = ApiRefusalTestBodies.adopt(sshd, sshd.hostPublicKey());
            String cvm = owner.signed("POST", "/v1/cvms", body).body().path("id").asText();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"in-update".equals(owner.get("/v1/cvms").body().path("cvms").get(0).path("mode").asText()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(owner.signed("POST", "/v1/cvms/" + cvm + "/commands", "{\"argv\":[\"true\"]}").status()).isEqualTo(200);

            sshd.close();
            TestOwner.Reply failed = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", "{\"argv\":[\"echo\",\"lost\"]}");
            ApiRefusalTest.assertProblem(failed, 502, "target-failed");
            List<JsonNode> entries = EndToEndTest.entries(owner);
            assertThat(EndToEndTest.kinds(entries.subList(entries.size() - 2, entries.size())))
                    .containsExactly(EntryKind.COMMAND_STARTED.wire(), EntryKind.COMMAND_FAILED.wire());
            assertThat(TestOwner.payload(entries.get(entries.size() - 2), Payload.CommandStarted.class).argv()).containsExactly("echo", "lost");

            sshd.restart();
            TestOwner.Reply again = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", "{\"argv\":[\"echo\",\"back\"]}");
            assertThat(again.status()).as(again.raw()).isEqualTo(200);
            assertThat(EndToEndTest.decode(again.body().path("stdout"))).isEqualTo("back\n");
            assertThat(EndToEndTest.chain(EndToEndTest.entries(owner))).isInstanceOf(dev.duet.log.ChainVerdict.Intact.class);
        }
    }
}
