package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.IOException;
import java.net.Socket;
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
 * One captured owner request, replayed on many connections with a Content-Length of 1 MiB (not
 * signed) and no body, holds one connection waiting for a body, not hundreds: its nonce is reserved
 * while the first copy waits, so every other copy is a replay at once. When the waiting copy fails,
 * the nonce is the owner's again.
 */
class CapturedRequestReplayTest {
    @TempDir Path dir;

    @Test
    void aCapturedRequestOnManyConnectionsHoldsOnlyOne() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String path = "/v1/cvms/" + cvm + "/mode";
            byte[] body = "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8);
            Map<String, String> captured = OwnerRequestSignature.sign(key, running.keyId(), "PUT", path, null, body, Instant.now().getEpochSecond());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("Content-Type", List.of("application/json"));
            headers.put("Content-Length", List.of(String.valueOf(1 << 20)));
            captured.forEach((k, v) -> headers.put(k, List.of(v)));
            byte[] replay = RawHttp.request("PUT", path, headers, new byte[0]);

            List<Socket> copies = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket socket = RawHttp.open("127.0.3." + (1 + i % 6), running.port(), Duration.ofSeconds(3));
                    socket.getOutputStream().write(replay);
                    copies.add(socket);
                }
                Socket waiting = null;
                int replayed = 0;
                for (Socket socket : copies) {
                    try {
                        RawHttp.Response reply = RawHttp.read(socket.getInputStream());
                        assertThat(reply.status()).as(reply.text()).isEqualTo(401);
                        assertThat(reply.json().path("type").asText()).isEqualTo("urn:duet:problem:replayed");
                        replayed++;
                    } catch (java.net.SocketTimeoutException stillWaiting) {
                        assertThat(waiting).as("only one copy may wait for its body").isNull();
                        waiting = socket;
                        socket.setSoTimeout(1);
                    }
                }
                assertThat(replayed).as("every copy but the first is refused as a replay at once").isEqualTo(59);
                assertThat(NonReadingClientTest.healthWithin(running.port(), "127.0.0.1")).isBetween(0L, NonReadingClientTest.HEALTHY.toMillis());

                waiting.close();
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                TestOwner.Reply sent;
                do {
                    Thread.sleep(100);
                    sent = owner.raw("PUT", path, body, "application/json", captured);
                } while (sent.status() == 401 && System.nanoTime() < deadline);
                assertThat(sent.status()).as("the owner's nonce is usable once the waiting copy failed: " + sent.raw()).isEqualTo(200);
                assertThat(sent.body().path("changed").asBoolean()).isTrue();
                assertThat(owner.raw("PUT", path, body, "application/json", captured).body().path("type").asText())
                        .isEqualTo("urn:duet:problem:replayed");
            } finally {
                for (Socket socket : copies) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // Already closed by the test.
                    }
                }
            }
        }
    }
}
