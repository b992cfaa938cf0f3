package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Every error is application/problem+json, including those Jetty raises before any route sees the
 * request, and a client that gives up halfway costs one log line, not a stack trace.
 */
class ErrorShapeTest {
    @TempDir static Path dir;
    static RunningController running;
    static Ed25519KeyPair key;

    @BeforeAll
    static void start() throws Exception {
        key = Ed25519KeyPair.generate();
        running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()));
    }

    @AfterAll
    static void stop() throws Exception {
        running.close();
    }

    static RawHttp.Response send(String request) throws Exception {
        return RawHttp.exchange(running.port(), request.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void assertProblem(String what, RawHttp.Response reply, int status) throws Exception {
        assertThat(reply.status()).as(what + ": " + reply.text()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).as(what).startsWith("application/problem+json");
        JsonNode body = reply.json();
        assertThat(body.path("status").asInt()).as(what).isEqualTo(status);
        assertThat(body.path("type").asText()).as(what).startsWith("urn:duet:problem:");
        assertThat(body.path("title").asText()).as(what).isNotEmpty();
        assertThat(reply.text()).as(what).doesNotContain("<html").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void jettysOwnRefusalsAreProblems() throws Exception {
        String end = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        Map<String, Integer> cases = new LinkedHashMap<>();
        cases.put("GET /%00" + end, 400);
        cases.put("GET /v1/cvms/%00" + end, 400);
        cases.put("GET /a%zz" + end, 400);
        cases.put("GET /%ff" + end, 400);
        cases.put("GET /../../etc/passwd" + end, 400);
        cases.put("GET /v1\\cvms" + end, 400);
        cases.put("GET /" + "a".repeat(20_000) + end, 414);
        cases.put("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", 431);
        cases.put("GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n", 505);
        cases.put("GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505);
        cases.put("POST /v1/cvms HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400);
        cases.put("POST /v1/cvms HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400);
        cases.put("POST /v1/cvms HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400);
        cases.put("POST /v1/cvms HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
        cases.put("GET /healthz HTTP/1.1\r\n\r\n", 400);
        cases.put("G@T /healthz" + end, 400);
        cases.put("\u0000\u0001 nonsense\r\n\r\n", 400);
        cases.put("GET http://elsewhere/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400);
        cases.put("OPTIONS *" + end, 404);
        cases.put("DELETE /healthz" + end, 405);
        for (Map.Entry<String, Integer> c : cases.entrySet()) {
            String what = c.getKey().length() > 60 ? c.getKey().substring(0, 60) + "…" : c.getKey();
            assertProblem(what.replace("\r\n", "\\r\\n"), send(c.getKey()), c.getValue());
        }
    }

    @Test
    void aClientThatAbortsMidBodyIsOneWarningLine() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        root.addAppender(events);
        try {
            String path = "/v1/cvms/cvm-0000000000000000/commands";
            byte[] body = ("{\"argv\":[\"" + "x".repeat(4000) + "\"]}").getBytes(StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("Content-Type", List.of("application/json"));
            headers.put("Content-Length", List.of(String.valueOf(body.length)));
            OwnerRequestSignature.sign(key, running.keyId(), "POST", path, null, body, Instant.now().getEpochSecond()).forEach((k, v) -> headers.put(k, List.of(v)));
            byte[] request = RawHttp.request("POST", path, headers, body);
            try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(5))) {
                socket.getOutputStream().write(request, 0, request.length - body.length + 100);
                socket.getOutputStream().flush();
                Thread.sleep(300);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (events.list.stream().noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(500);
            List<ILoggingEvent> warnings = events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
            assertThat(warnings).as(warnings.toString()).hasSize(1);
            assertThat(warnings.get(0).getLevel()).isEqualTo(Level.WARN);
            assertThat(warnings.get(0).getThrowableProxy()).as("no stack trace").isNull();
            assertThat(warnings.get(0).getFormattedMessage()).contains("POST").contains("127.0.0.1").doesNotContain("\n");
            assertThat(new TestOwner(running.port(), key).get("/healthz").status()).isEqualTo(200);
        } finally {
            root.detachAppender(events);
        }
    }
}
