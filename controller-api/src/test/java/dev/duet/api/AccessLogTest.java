package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees on {@code duet-controller serve}'s stderr: one JSON line per request (time,
 * request id, method, route template, status, duration, bytes, source), and INFO lines for the
 * lifecycle, in text or, with {@code --log-format json}, as JSON objects on every line.
 */
class AccessLogTest {
    @TempDir Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private int get(int port, String path, String requestId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Request-Id", requestId).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Stops the controller (SIGTERM, so its log is flushed) and returns its stderr lines. */
    private List<String> stop(ChildController child) throws Exception {
        child.process().destroy();
        assertThat(child.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        return Files.readAllLines(dir.resolve("controller.err"));
    }

    private static List<JsonNode> accessLines(List<String> lines) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("{") && line.contains("\"request_id\"")) {
                out.add(TestOwner.JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void everyRequestIsOneJsonLineOnStderrAndLifecycleEventsAreInfoLines() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, key.publicKey().toPem());
        List<String> lines;
        String id;
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            ChildController child = ChildController.start(dir, dir.resolve("data"), ownerPub, "--qemu", "off");
            TestOwner owner = new TestOwner(child.port(), key);
            id = owner.adopt(sshd);
            assertThat(owner.signed("PUT", "/v1/cvms/" + id + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);
            assertThat(owner.signed("POST", "/v1/cvms/" + id + "/commands", "{\"argv\":[\"true\"]}").status()).isEqualTo(409);
            assertThat(get(child.port(), "/v1/cvms/cvm-0123456789abcdef?nonce=zz", "op-7")).isEqualTo(404);
            lines = stop(child);
        }
        List<JsonNode> access = accessLines(lines);
        JsonNode miss = access.stream().filter(l -> l.path("request_id").asText().equals("op-7")).findFirst().orElseThrow();
        assertThat(miss.path("method").asText()).isEqualTo("GET");
        assertThat(miss.path("route").asText()).isEqualTo("/v1/cvms/{id}");
        assertThat(miss.path("status").asInt()).isEqualTo(404);
        assertThat(miss.path("bytes").asLong()).isPositive();
        assertThat(miss.path("duration_ms").isNumber()).isTrue();
        assertThat(miss.path("source").asText()).isEqualTo("127.0.0.1");
        assertThat(java.time.Instant.parse(miss.path("time").asText())).isNotNull();
        assertThat(miss.toString()).doesNotContain("cvm-0123456789abcdef", "nonce");
        assertThat(access).anySatisfy(l -> {
            assertThat(l.path("method").asText()).isEqualTo("POST");
            assertThat(l.path("route").asText()).isEqualTo("/v1/cvms");
            assertThat(l.path("status").asInt()).isEqualTo(202);
        });
        String text = String.join("\n", lines);
        assertThat(text).contains("INFO  dev.duet.events - CVM " + id + " created: provider ssh")
                .contains("CVM " + id + " provisioned in ")
                .contains("CVM " + id + " mode changed: in-update -> in-service")
                .contains("refused owner:").contains("on CVM " + id + ": mode-forbids");
    }

    @Test
    void logFormatJsonMakesEveryLineAJsonObject() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, key.publicKey().toPem());
        ChildController child = ChildController.start(dir, dir.resolve("data"), ownerPub, "--qemu", "off", "--log-format", "json");
        TestOwner owner = new TestOwner(child.port(), key);
        assertThat(owner.signed("PUT", "/v1/cvms/cvm-0123456789abcdef/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(404);
        assertThat(get(child.port(), "/healthz", "j-1")).isEqualTo(200);
        List<String> lines = stop(child);
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            assertThat(TestOwner.JSON.readTree(line).isObject()).as(line).isTrue();
        }
        assertThat(accessLines(lines)).anySatisfy(l -> assertThat(l.path("request_id").asText()).isEqualTo("j-1"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"level\":\"INFO\"").contains("unknown-cvm"));
    }

    @Test
    void aRequestAnsweredJustBeforeSigtermStillHasItsAccessLine() throws Exception {
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, Ed25519KeyPair.generate().publicKey().toPem());
        ChildController child = ChildController.start(dir, dir.resolve("data"), ownerPub, "--qemu", "off");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("last-" + i);
        }
        ids.parallelStream().forEach(id -> {
            try {
                assertThat(get(child.port(), "/healthz", id)).isEqualTo(200);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> logged = accessLines(stop(child)).stream().map(l -> l.path("request_id").asText()).toList();
        assertThat(logged).containsAll(ids);
    }

    @Test
    void anUnknownLogFormatIsRefusedAtStart() throws Exception {
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, Ed25519KeyPair.generate().publicKey().toPem());
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ControllerMain.class.getName(), "serve", "--data-dir", dir.resolve("d").toString(),
                "--owner-key", ownerPub.toString(), "--port", "0", "--log-format", "xml").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(out).contains("--log-format must be text or json");
    }
}
