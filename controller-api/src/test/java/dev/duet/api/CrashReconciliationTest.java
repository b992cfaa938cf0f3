package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.EntryKinds;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
            Process controller = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ControllerMain.class.getName(),
                    "serve", "--data-dir", data.toString(), "--owner-key", ownerPub.toString(), "--port", "0", "--qemu", "off")
                    .redirectError(dir.resolve("controller.err").toFile())
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                while (line != null && !line.contains("listening on")) {
                    line = out.readLine();
                }
                assertThat(line).as(Files.readString(dir.resolve("controller.err"))).contains("listening on");
                Matcher port = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)").matcher(line);
                assertThat(port.find()).isTrue();
                TestOwner http = new TestOwner(Integer.parseInt(port.group(1)), owner);
                String body = TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", "hangs")
                        .set("ssh", TestOwner.JSON.createObjectNode().put("host", "127.0.0.1").put("port", silent.getLocalPort())
                                .put("user", "root").put("host_key", "SHA256:" + "A".repeat(43))
                                .put("bootstrap_private_key", Files.readString(Path.of(getClass().getResource("/bootstrap-ed25519-test-key").toURI()))))
                        .toString();
                TestOwner.Reply created = http.signed("POST", "/v1/cvms", body);
                assertThat(created.status()).as(created.raw()).isEqualTo(202);
                assertThat(created.body().path("mode").asText()).isEqualTo("provisioning");
            } finally {
                controller.destroyForcibly();
                assertThat(controller.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
        }
        try (RunningController again = RunningController.start(data, List.of())) {
            TestOwner http = new TestOwner(again.port(), owner);
            JsonNode cvm = http.get("/v1/cvms").body().path("cvms").get(0);
            assertThat(cvm.path("mode").asText()).isEqualTo("failed");
            assertThat(cvm.path("reason").asText()).contains("restarted before adoption finished");
            List<JsonNode> entries = EndToEndTest.entries(http);
            assertThat(EndToEndTest.kinds(entries)).containsExactly(EntryKinds.OWNER_REGISTERED, EntryKinds.CVM_ADOPTION_STARTED, EntryKinds.CVM_FAILED);
            assertThat(EndToEndTest.chain(entries)).isInstanceOf(dev.duet.log.ChainVerdict.Intact.class);
        }
    }
}
