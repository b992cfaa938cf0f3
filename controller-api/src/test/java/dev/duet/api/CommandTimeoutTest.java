package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.EntryKinds;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A timeout too short to run anything is the owner's mistake (400), never a broken CVM (502). */
class CommandTimeoutTest {
    @TempDir Path dir;

    @Test
    void aTimeoutTooShortToRunAnythingIsInvalidAndTheSessionSurvives() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            long loginsAfterAdoption = logins(sshd);
            String path = "/v1/cvms/" + cvm + "/commands";
            for (String timeout : List.of("0.001", "0.5", "1e-9")) {
                TestOwner.Reply tiny = owner.signed("POST", path, "{\"argv\":[\"true\"],\"timeout_seconds\":" + timeout + "}");
                ApiRefusalTest.assertProblem(tiny, 400, "invalid-request");
                assertThat(tiny.body().path("detail").asText()).contains("timeout");
            }
            TestOwner.Reply shortest = owner.signed("POST", path, "{\"argv\":[\"true\"],\"timeout_seconds\":1}");
            assertThat(shortest.status()).as(shortest.raw()).isEqualTo(200);
            TestOwner.Reply after = owner.signed("POST", path, "{\"argv\":[\"echo\",\"ran\"],\"timeout_seconds\":20}");
            assertThat(after.status()).as(after.raw()).isEqualTo(200);
            assertThat(EndToEndTest.decode(after.body().path("stdout"))).isEqualTo("ran\n");
            List<JsonNode> entries = EndToEndTest.entries(owner);
            assertThat(EndToEndTest.kinds(entries)).doesNotContain(EntryKinds.COMMAND_FAILED, EntryKinds.CVM_FAILED);
            assertThat(logins(sshd)).as("the controller's session was never dropped and reopened").isEqualTo(loginsAfterAdoption);
        }
    }

    private static long logins(OpenSshServer sshd) throws Exception {
        return sshd.log().lines().filter(l -> l.contains("Accepted publickey")).count();
    }
}
