package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections that send their headers a line at a time (slowloris) are closed at the header
 * deadline however steadily they trickle, and a few sources together cannot hold every connection
 * slot: /healthz keeps answering.
 */
class SlowHeaderTest {
    @TempDir Path dir;

    /** Defaults, with a 2 s header deadline and room for 64 connections, 8 per source. */
    static RequestLimits small() {
        RequestLimits d = RequestLimits.defaults();
        return d.withTimeouts(d.idleTimeout(), Duration.ofSeconds(2)).withConnections(64, 8);
    }

    /** Sends one more header line on each connection still open; returns how many were still open. */
    static int trickle(List<Socket> sockets) {
        int open = 0;
        for (Socket socket : sockets) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write("X-Slow: y\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (!RawHttp.closedByPeer(socket, Duration.ofMillis(1))) {
                    open++;
                }
            } catch (IOException closed) {
                // The server closed it.
            }
        }
        return open;
    }

    @Test
    void headersSentALineAtATimeAreCutOffAtTheHeaderDeadline() throws Exception {
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), small());
                Socket slow = RawHttp.open("127.0.0.2", running.port(), Duration.ofSeconds(1));
                Socket quiet = RawHttp.open("127.0.0.3", running.port(), Duration.ofSeconds(5))) {
            slow.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            quiet.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(RawHttp.read(quiet.getInputStream()).status()).isEqualTo(200);
            long start = System.nanoTime();
            int open = 1;
            while (open > 0 && System.nanoTime() - start < Duration.ofSeconds(6).toNanos()) {
                Thread.sleep(300);
                open = trickle(List.of(slow));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(open).as("a connection trickling its headers is closed").isZero();
            assertThat(took).as("at the 2 s header deadline, not the 30 s idle timeout").isLessThan(Duration.ofSeconds(4));
            assertThat(RawHttp.closedByPeer(quiet, Duration.ofSeconds(3)))
                    .as("a kept-alive connection must send its next request within the header deadline too").isTrue();
        }
    }

    @Test
    void aFewSourcesTricklingHeadersCannotTakeEverySlot() throws Exception {
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), small())) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int source = 0; source < 8; source++) {
                    for (int i = 0; i < 8; i++) {
                        try {
                            Socket socket = RawHttp.open("127.0.2." + (source + 1), running.port(), Duration.ofSeconds(1));
                            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                            slow.add(socket);
                        } catch (IOException refused) {
                            // Beyond a source's share the server closes the connection at once.
                        }
                    }
                }
                assertThat(NonReadingClientTest.healthWithin(running.port(), "127.0.0.1"))
                        .as("/healthz while 8 sources x 8 connections (all 64 slots) trickle headers").isBetween(0L, NonReadingClientTest.HEALTHY.toMillis());
                long start = System.nanoTime();
                int open = slow.size();
                while (open > 0 && System.nanoTime() - start < Duration.ofSeconds(6).toNanos()) {
                    Thread.sleep(300);
                    open = trickle(slow);
                }
                assertThat(open).as("every trickling connection is closed at the header deadline").isZero();
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }
}
