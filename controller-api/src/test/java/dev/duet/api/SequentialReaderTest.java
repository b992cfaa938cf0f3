package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that takes each answer to its end before it sends the next read, on a new connection
 * each time, is never refused for reads it has already received: an answer's heavy-read slot is
 * free before the client can see that answer end, however it sees it (the close, or the last byte
 * Content-Length announced). Before this was so, the slot was freed a few milliseconds after the
 * answer ended, and with one read allowed per source this test failed within its first reads.
 */
class SequentialReaderTest {
    @TempDir Path dir;

    @Test
    void aClientThatWaitsForEachAnswerIsNeverRefusedForItsOwnFinishedReads() throws Exception {
        RequestLimits oneAtATime = RequestLimits.defaults().withHeavyReads(8, 1);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), oneAtATime)) {
            for (int read = 0; read < 300; read++) {
                String target = List.of("/v1/cvms", "/v1/log/entries", "/v1/controller/evidence?nonce=n" + read).get(read % 3);
                String how = List.of("GET, to the close", "HEAD, to the close", "GET, by Content-Length").get(read / 3 % 3);
                String request = how.substring(0, how.indexOf(',')) + " " + target + " HTTP/1.1\r\nHost: x\r\n"
                        + (how.endsWith("close") ? "Connection: close\r\n" : "") + "\r\n";
                try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(10))) {
                    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    int status = how.endsWith("close")
                            ? Integer.parseInt(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).substring(9, 12))
                            : RawHttp.read(socket.getInputStream()).status();
                    assertThat(status).as("read " + read + ": " + target + ", " + how).isEqualTo(200);
                }
            }
        }
    }
}
