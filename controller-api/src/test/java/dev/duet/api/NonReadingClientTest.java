package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that pipeline reads of a CVM's state, the log checkpoint or signed evidence and never
 * read the answers, or read them a trickle at a time, cost the controller neither its health
 * endpoint nor its owner: the checkpoint is served from memory, reads that cost the controller a
 * signature or grow with the log are limited per source and overall, and a heavy answer must be
 * taken at a minimum pace.
 */
class NonReadingClientTest {
    static final Duration HEALTHY = Duration.ofSeconds(5);

    @TempDir Path dir;

    /** A connection from {@code source} with a 4 KiB receive buffer, given as many of {@code requests} as the kernel takes. */
    static SocketChannel pipelined(String source, int port, byte[] requests) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        channel.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        channel.configureBlocking(false);
        channel.write(ByteBuffer.wrap(requests));
        return channel;
    }

    static byte[] repeated(String request, int times) {
        return request.repeat(times).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Milliseconds until /healthz answers 200 from a fresh source, or -1 if it does not within
     * {@link #HEALTHY}. Generous, since the machine running the tests may be busy; the attacks
     * this guards against take /healthz down for the idle timeout (30 s) or for good.
     */
    static long healthWithin(int port, String source) {
        long start = System.nanoTime();
        try (Socket socket = RawHttp.open(source, port, HEALTHY)) {
            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response reply = RawHttp.read(socket.getInputStream());
            return reply.status() == 200 ? Duration.ofNanos(System.nanoTime() - start).toMillis() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A CVM whose bundle is about 800 kB: one command's output is logged in its history. (Its
     * signed state is a summary of constant size; the bundle is the read whose answer grows.)
     */
    static String cvmWithALargeState(TestOwner owner, OpenSshServer sshd) throws Exception {
        String cvm = owner.adopt(sshd);
        TestOwner.Reply big = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", "{\"argv\":[\"head\",\"-c\",\"600000\",\"/dev/zero\"]}");
        assertThat(big.status()).as(big.raw()).isEqualTo(200);
        assertThat(owner.get("/v1/cvms/" + cvm + "/bundle").raw().length()).as("the bundle holds the command's output").isGreaterThan(800_000);
        return cvm;
    }

    static void assertHealthyDuringAttack(int port) throws InterruptedException {
        for (int probe = 0; probe < 4; probe++) {
            assertThat(healthWithin(port, "127.0.0.1")).as("/healthz during the attack, probe " + probe).isBetween(0L, HEALTHY.toMillis());
            Thread.sleep(250);
        }
    }

    @Test
    void pipelinedStateReadsThatAreNeverReadTakeDownNeitherHealthNorTheOwner() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = cvmWithALargeState(owner, sshd);
            String statePath = "/v1/cvms/" + cvm + "/bundle";
            byte[] stateReads = repeated("GET " + statePath + " HTTP/1.1\r\nHost: x\r\n\r\n", 20);
            List<SocketChannel> attackers = new ArrayList<>();
            try {
                for (int source = 0; source < 9; source++) {
                    for (int i = 0; i < 30; i++) {
                        attackers.add(pipelined("127.0.6." + (source + 1), running.port(), stateReads));
                    }
                }
                Thread.sleep(2000);
                assertHealthyDuringAttack(running.port());

                long start = System.nanoTime();
                TestOwner.Reply changed = owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}");
                assertThat(changed.status()).as(changed.raw()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("an owner request during the attack").isLessThan(HEALTHY);

                HttpClient http = HttpClient.newHttpClient();
                start = System.nanoTime();
                HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(running.url() + statePath))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a state read during the attack is answered at once")
                        .isLessThan(HEALTHY);
                assertThat(read.statusCode()).isIn(200, 503);
                if (read.statusCode() == 503) {
                    assertThat(read.headers().firstValue("Retry-After")).isPresent();
                    assertThat(read.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
                }
            } finally {
                for (SocketChannel attacker : attackers) {
                    attacker.close();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int status;
            do {
                Thread.sleep(100);
                status = owner.get(statePath).status();
            } while (status != 200 && System.nanoTime() < deadline);
            assertThat(status).as("state reads are served again once the attackers are gone").isEqualTo(200);
        }
    }

    /** As a penetration test found: 300 connections from 10 addresses, each pipelining 1,500 reads and reading none. */
    static void assertHealthyWhilePipelined(String target) throws Exception {
        try (RunningController running = RunningController.start(Files.createTempDirectory("duet-pipelined"),
                List.of(Ed25519KeyPair.generate().publicKey()))) {
            byte[] reads = repeated("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n", 1500);
            List<SocketChannel> attackers = new ArrayList<>();
            try {
                for (int source = 0; source < 10; source++) {
                    for (int i = 0; i < 30; i++) {
                        attackers.add(pipelined("127.0.7." + (source + 1), running.port(), reads));
                    }
                }
                Thread.sleep(2000);
                assertHealthyDuringAttack(running.port());
            } finally {
                for (SocketChannel attacker : attackers) {
                    attacker.close();
                }
            }
        }
    }

    @Test
    void aConnectionIsClosedAfterItsLastAllowedRequest() throws Exception {
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()));
                Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(10))) {
            socket.getOutputStream().write(repeated("GET /v1/log/checkpoint HTTP/1.1\r\nHost: x\r\n\r\n", 3 * RequestsPerConnection.MAX_REQUESTS));
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answers.split("HTTP/1.1 200 ", -1).length - 1).as("answers before the connection was closed")
                    .isEqualTo(RequestsPerConnection.MAX_REQUESTS);
        }
    }

    @Test
    void pipelinedCheckpointReadsThatAreNeverReadDoNotTakeDownHealth() throws Exception {
        assertHealthyWhilePipelined("/v1/log/checkpoint");
    }

    @Test
    void pipelinedEvidenceReadsWithANonceThatAreNeverReadDoNotTakeDownHealth() throws Exception {
        assertHealthyWhilePipelined("/v1/controller/evidence?nonce=pentest");
    }

    @Test
    void aClientThatTakesHeavyAnswersTooSlowlyIsCutOff() throws Exception {
        RequestLimits brisk = RequestLimits.defaults().withBodyPace(Duration.ofSeconds(1), 256 * 1024);
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()), brisk)) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = cvmWithALargeState(owner, sshd);
            int answers = 8;
            long one = owner.get("/v1/cvms/" + cvm + "/bundle").raw().length();
            try (SocketChannel trickle = pipelined("127.0.0.7", running.port(), repeated("GET /v1/cvms/" + cvm + "/bundle HTTP/1.1\r\nHost: x\r\n\r\n",
                    answers))) {
                trickle.configureBlocking(true);
                InputStream in = trickle.socket().getInputStream();
                long received = 0;
                byte[] buffer = new byte[1 << 16];
                for (int i = 0; i < 12; i++) {
                    Thread.sleep(500);
                    received += Math.max(in.read(buffer, 0, 2048), 0);
                }
                trickle.socket().setSoTimeout(3000);
                int n = 0;
                try {
                    while ((n = in.read(buffer)) >= 0) {
                        received += n;
                    }
                } catch (IOException timeoutOrReset) {
                    n = timeoutOrReset instanceof java.net.SocketTimeoutException ? 0 : -1;
                }
                assertThat(n).as("the connection was closed, after " + received + " bytes of " + answers + " answers of " + one).isEqualTo(-1);
                assertThat(received).as("the answers were cut off").isLessThan((answers - 1) * one);
            }
            assertThat(owner.get("/v1/cvms/" + cvm).status()).isEqualTo(200);
        }
    }
}
