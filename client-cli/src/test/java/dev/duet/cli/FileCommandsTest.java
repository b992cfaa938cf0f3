package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet put} and {@code duet get} check the controller's answer against the bytes: a
 * controller that says it wrote other bytes than those sent, or returns content that does not hash
 * to what it says it read (and logged), fails the verb, and nothing is saved.
 */
class FileCommandsTest {
    private static final String CVM = "cvm-0123456789abcdef";
    private static final String OTHER_SHA256 = "00".repeat(32);

    /** A stand-in that answers every request with {@code answer}. */
    private static HttpServer serving(String answer) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StandInCheckpoint.serve(server);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (var body = exchange.getResponseBody()) {
                body.write(bytes);
            }
        });
        server.start();
        return server;
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static String key(Path dir) {
        String key = dir.resolve("owner.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
        return key;
    }

    @Test
    void aPutWhoseAnswerNamesOtherBytesFails(@TempDir Path dir) throws Exception {
        String key = key(dir);
        Path local = Files.writeString(dir.resolve("app.conf"), "listen = 80\n");
        HttpServer server = serving("{\"transfer_id\":\"xfer-0123456789abcdef\",\"path\":\"/etc/app.conf\",\"mode\":\"0644\",\"bytes\":12,"
                + "\"sha256\":\"" + OTHER_SHA256 + "\",\"started_index\":5,\"completed_index\":6}");
        try {
            CliInputTest.Run run = CliInputTest.run("put", "--controller", url(server), "--key", key, CVM, local.toString(), "/etc/app.conf");
            assertThat(run.exit()).as(run.err()).isEqualTo(CliFailure.CHECK_FAILED);
            assertThat(run.err()).startsWith("duet: the controller's answer does not match the file sent (12 bytes");
            assertThat(run.out()).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aPutOverTheBodyLimitThatTheControllerClosesOnSaysWhy(@TempDir Path dir) throws Exception {
        String key = key(dir);
        Path local = Files.write(dir.resolve("large.bin"), new byte[2 << 20]);
        try (ServerSocket controller = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // As the controller does on a Content-Length over its limit (its 413 aside): stop reading and close.
            Thread closer = new Thread(() -> {
                try {
                    while (true) {
                        try (Socket client = controller.accept()) {
                            if (!StandInCheckpoint.answered(client)) {
                                client.getInputStream().readNBytes(1024);
                                client.setSoLinger(true, 0);
                                return;
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            closer.start();
            CliInputTest.Run run = CliInputTest.run("put", "--controller", "http://127.0.0.1:" + controller.getLocalPort(), "--key", key,
                    CVM, local.toString(), "/etc/large.bin");
            closer.join();
            assertThat(run.exit()).isEqualTo(CliFailure.INPUT_ERROR);
            assertThat(run.err().lines().findFirst().orElse("")).startsWith("duet: the controller at http://127.0.0.1:")
                    .contains("closed the connection while a 2796256-byte request was sent")
                    .endsWith("refuses request bodies over its limit (1572864 bytes unless its operator set another) without reading them");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void aGetWhoseContentDoesNotHashToWhatTheControllerSaysIsNotSaved(@TempDir Path dir) throws Exception {
        String key = key(dir);
        String content = Base64.getEncoder().encodeToString("not what was logged\n".getBytes(StandardCharsets.UTF_8));
        HttpServer server = serving("{\"transfer_id\":\"xfer-0123456789abcdef\",\"path\":\"/etc/app.conf\",\"bytes\":20,\"sha256\":\""
                + OTHER_SHA256 + "\",\"content\":\"" + content + "\",\"log_index\":7}");
        try {
            Path out = dir.resolve("got");
            CliInputTest.Run run = CliInputTest.run("get", "--controller", url(server), "--key", key, "--out", out.toString(), CVM,
                    "/etc/app.conf");
            assertThat(run.exit()).as(run.err()).isEqualTo(CliFailure.CHECK_FAILED);
            assertThat(run.err()).startsWith("duet: the controller's answer does not hold what it says it read");
            assertThat(out).doesNotExist();
        } finally {
            server.stop(0);
        }
    }
}
