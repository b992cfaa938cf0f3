package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.provisioner.testing.OpenSshServer;
import dev.duet.protocol.entry.Payload;
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
            assertThat(EndToEndTest.kinds(entries)).doesNotContain(EntryKind.COMMAND_FAILED.wire(), EntryKind.CVM_FAILED.wire());
            assertThat(logins(sshd)).as("the controller's session was never dropped and reopened").isEqualTo(loginsAfterAdoption);
        }
    }

    /** The log holds the timeout the owner signed: only whole milliseconds are accepted, and they are logged exactly. */
    @Test
    void aTimeoutIsAWholeNumberOfMillisecondsLoggedExactlyAsSigned() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String path = "/v1/cvms/" + cvm + "/commands";
            for (String inexact : List.of("0.9999999999999999999", "1.0001", "2.5000001", "1e-4", "60.0000000000000000001")) {
                long before = ApiRefusalTest.logSizeOf(owner);
                TestOwner.Reply refused = owner.signed("POST", path, "{\"argv\":[\"true\"],\"timeout_seconds\":" + inexact + "}");
                ApiRefusalTest.assertProblem(refused, 400, "invalid-request");
                assertThat(refused.body().path("detail").asText()).as(inexact).contains("timeout_seconds");
                assertThat(EndToEndTest.kinds(EndToEndTest.entries(owner).subList((int) before, (int) ApiRefusalTest.logSizeOf(owner))))
                        .as(inexact).doesNotContain(EntryKind.COMMAND_STARTED.wire());
            }
            for (var exact : java.util.Map.of("1.5", 1500L, "1e0", 1000L, "0.5e1", 5000L, "2.000", 2000L, "1.001", 1001L, "3600", 3_600_000L).entrySet()) {
                TestOwner.Reply ran = owner.signed("POST", path, "{\"argv\":[\"true\"],\"timeout_seconds\":" + exact.getKey() + "}");
                assertThat(ran.status()).as(exact.getKey() + ": " + ran.raw()).isEqualTo(200);
                JsonNode started = EndToEndTest.entries(owner).get((int) ran.body().path("started_index").asLong());
                assertThat(TestOwner.payload(started, Payload.CommandStarted.class).timeout().toMillis()).as(exact.getKey()).isEqualTo(exact.getValue());
            }
        }
    }

    private static long logins(OpenSshServer sshd) throws Exception {
        return sshd.log().lines().filter(l -> l.contains("Accepted publickey")).count();
    }
}
