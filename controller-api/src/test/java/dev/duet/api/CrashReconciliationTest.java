package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A controller JVM killed with SIGKILL in the middle of an adoption; the next start must settle it. */
class CrashReconciliationTest {
    @TempDir Path dir;

    @Test
    void anAdoptionCutOffByACrashIsMarkedFailedAndLoggedOnRestart() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, owner.publicKey().toPem());
        Path data = dir.resolve("data");
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            ChildController controller = ChildController.start(dir, data, ownerPub, "--qemu", "off");
            try {
                TestOwner http = new TestOwner(controller.port(), owner);
                String body = TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", "hangs")
                        .set("ssh", TestOwner.JSON.createObjectNode().put("host", "127.0.0.1").put("port", silent.getLocalPort())
                                .put("user", "root").put("host_key", "SHA256:" + "A".repeat(43))
                                .put("bootstrap_private_key", Files.readString(Path.of(getClass().getResource("/bootstrap-ed25519-test-key").toURI()))))
                        .toString();
                TestOwner.Reply created = http.signed("POST", "/v1/cvms", body);
                assertThat(created.status()).as(created.raw()).isEqualTo(202);
                assertThat(created.body().path("mode").asText()).isEqualTo("provisioning");
            } finally {
                controller.kill();
            }
        }
        try (RunningController again = RunningController.start(data, List.of())) {
            TestOwner http = new TestOwner(again.port(), owner);
            JsonNode cvm = http.get("/v1/cvms").body().path("cvms").get(0);
            assertThat(cvm.path("mode").asText()).isEqualTo("failed");
            assertThat(cvm.path("reason").asText()).contains("restarted before adoption finished");
            List<JsonNode> entries = EndToEndTest.entries(http);
            assertThat(EndToEndTest.kinds(entries)).containsExactly(EntryKind.OWNER_REGISTERED.wire(), EntryKind.CVM_ADOPTION_STARTED.wire(), EntryKind.POLICY_SET.wire(),
                    EntryKind.CVM_FAILED.wire());
            assertThat(EndToEndTest.chain(entries)).isInstanceOf(dev.duet.log.ChainVerdict.Intact.class);
        }
    }
}
