package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anonymous clients that announce a body and never send it, or hold connections open, cost the
 * controller neither its health endpoint nor its owner: headers are judged before any body is read,
 * bodies must keep a minimum rate, and one source address gets a bounded share of the connections.
 */
class StalledConnectionTest {
    @TempDir Path dir;

    static byte[] stalledHead(String path, Map<String, String> extra) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Content-Length", List.of("100000"));
        extra.forEach((k, v) -> headers.put(k, List.of(v)));
        return RawHttp.request("PUT", path, headers, "{\"mode\":\"i".getBytes(StandardCharsets.UTF_8));
    }

    /** What is left of a shared deadline for one more socket, but at least 50 ms. */
    static Duration timeLeft(long deadline) {
        return Duration.ofNanos(Math.max(Duration.ofMillis(50).toNanos(), deadline - System.nanoTime()));
    }

    @Test
    void threeHundredStalledBodiesTakeDownNeitherHealthNorTheOwner() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String path = "/v1/cvms/" + cvm + "/mode";
            Map<String, String> forged = new LinkedHashMap<>(OwnerRequestSignature.sign(key, running.keyId(), "PUT", path, null,
                    "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8), Instant.now().getEpochSecond()));
            String sig = forged.get("Signature");
            forged.put("Signature", sig.substring(0, 10) + (sig.charAt(10) == 'A' ? 'B' : 'A') + sig.substring(11));

            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    String source = "127.0.0." + (2 + i % 6);
                    Socket socket;
                    try {
                        socket = RawHttp.open(source, running.port(), Duration.ofSeconds(1));
                        socket.getOutputStream().write(stalledHead(path, i % 2 == 0 ? Map.of() : forged));
                    } catch (IOException refusedOrReset) {
                        continue;
                    }
                    stalled.add(socket);
                }

                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                long start = System.nanoTime();
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(running.url() + "/healthz"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                TestOwner.Reply changed = owner.signed("PUT", path, "{\"mode\":\"in-service\"}");
                assertThat(changed.status()).as(changed.raw()).isEqualTo(200);
                assertThat(changed.body().path("changed").asBoolean()).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

                int answeredOrClosed = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                for (Socket socket : stalled) {
                    if (RawHttp.closedByPeer(socket, timeLeft(deadline))) {
                        answeredOrClosed++;
                    }
                }
                assertThat(answeredOrClosed).as("stalled requests answered at once and their connections closed")
                        .isEqualTo(stalled.size());
            } finally {
                for (Socket socket : stalled) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void oneSourceGetsABoundedShareOfTheConnections() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    idle.add(RawHttp.open("127.0.0.2", running.port(), Duration.ofSeconds(1)));
                }
                int closed = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                for (Socket socket : idle) {
                    if (RawHttp.closedByPeer(socket, timeLeft(deadline))) {
                        closed++;
                    }
                }
                assertThat(closed).as("connections from 127.0.0.2 beyond its share are closed").isGreaterThanOrEqualTo(200 - 64);
                assertThat(new TestOwner(running.port(), key).get("/healthz").status()).isEqualTo(200);
            } finally {
                for (Socket socket : idle) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        RequestLimits d = RequestLimits.defaults();
        RequestLimits quick = d.withTimeouts(Duration.ofSeconds(1), d.headerTimeout());
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), quick);
                Socket silent = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(1));
                Socket halfHeaders = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(1))) {
            halfHeaders.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.closedByPeer(silent, Duration.ofSeconds(4))).isTrue();
            assertThat(RawHttp.closedByPeer(halfHeaders, Duration.ofSeconds(4))).isTrue();
        }
    }

    @Test
    void oversizedAndChunkedOwnerBodiesAreRefusedWithoutReadingThem() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            String path = "/v1/cvms/cvm-0000000000000000/commands";
            Map<String, List<String>> huge = new LinkedHashMap<>();
            huge.put("Content-Type", List.of("application/json"));
            huge.put("Content-Length", List.of("50000000"));
            OwnerRequestSignature.sign(key, running.keyId(), "POST", path, null, new byte[0], Instant.now().getEpochSecond())
                    .forEach((k, v) -> huge.put(k, List.of(v)));
            try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(3))) {
                socket.getOutputStream().write(RawHttp.request("POST", path, huge, new byte[0]));
                RawHttp.Response reply = RawHttp.read(socket.getInputStream());
                assertThat(reply.status()).isEqualTo(413);
                assertThat(reply.json().path("type").asText()).isEqualTo("urn:duet:problem:body-too-large");
            }
            Map<String, List<String>> chunked = new LinkedHashMap<>();
            chunked.put("Content-Type", List.of("application/json"));
            chunked.put("Transfer-Encoding", List.of("chunked"));
            try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(3))) {
                socket.getOutputStream().write(RawHttp.request("POST", path, chunked, "5\r\n{\"arg\r\n".getBytes(StandardCharsets.UTF_8)));
                RawHttp.Response reply = RawHttp.read(socket.getInputStream());
                assertThat(reply.status()).isEqualTo(411);
                assertThat(reply.json().path("type").asText()).isEqualTo("urn:duet:problem:length-required");
            }
        }
    }

    @Test
    void aSignedBodySentTooSlowlyIsTimedOutAndItsNonceStaysUsable() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String path = "/v1/cvms/" + cvm + "/mode";
            byte[] body = ("{\"mode\":\"in-service\"" + " ".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8);
            Map<String, String> signed = OwnerRequestSignature.sign(key, running.keyId(), "PUT", path, null, body, Instant.now().getEpochSecond());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("Content-Type", List.of("application/json"));
            headers.put("Content-Length", List.of(String.valueOf(body.length)));
            signed.forEach((k, v) -> headers.put(k, List.of(v)));
            byte[] whole = RawHttp.request("PUT", path, headers, body);
            try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(25))) {
                long start = System.nanoTime();
                socket.getOutputStream().write(whole, 0, whole.length - body.length + 10);
                RawHttp.Response reply = RawHttp.read(socket.getInputStream());
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(reply.status()).as(reply.text()).isEqualTo(408);
                assertThat(reply.json().path("type").asText()).isEqualTo("urn:duet:problem:body-timeout");
                assertThat(took).as("10 s + 2 kB at 16 kB/s").isGreaterThan(Duration.ofSeconds(9)).isLessThan(Duration.ofSeconds(20));
            }
            TestOwner.Reply again = owner.raw("PUT", path, body, "application/json", signed);
            assertThat(again.status()).as(again.raw()).isEqualTo(200);
        }
    }
}
