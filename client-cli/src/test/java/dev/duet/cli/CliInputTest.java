package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input gives exit 2 and one readable line on stderr, never a stack trace. */
class CliInputTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = DuetCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    static void assertOneLineError(Run r, int exit, String fragment) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.err()).startsWith("duet: ").contains(fragment).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
    }

    /** A usage error: the message on the first line, then the verb's usage; nothing on stdout. */
    static void assertUsageError(Run r, String fragment, String usage) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().findFirst().orElse("")).startsWith("duet: ").contains(fragment);
        assertThat(r.err()).contains("Usage: " + usage).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void usageErrors() {
        assertUsageError(run("no-such-verb"), "Unmatched argument", "duet");
        assertUsageError(run("run", "--key", "k"), "Missing required parameter", "duet run");
        assertOneLineError(run("verify-state"), 2, "either a CVM id");
        assertOneLineError(run("verify-state", "--file", dir.resolve("missing.json").toString()), 2, "no such file");
    }

    @Test
    void keyFileProblems() throws Exception {
        assertOneLineError(run("mode", "--key", dir.resolve("absent").toString(), "cvm-1", "in-service"), 2, "cannot read owner key");
        Files.writeString(dir.resolve("junk"), "not a key");
        assertOneLineError(run("mode", "--key", dir.resolve("junk").toString(), "cvm-1", "in-service"), 2, "owner key");
        assertThat(run("keygen", "--out", dir.resolve("k").toString()).exit()).isZero();
        assertThat(Files.getPosixFilePermissions(dir.resolve("k"))).hasSize(2);
        assertOneLineError(run("keygen", "--out", dir.resolve("k").toString()), 2, "refusing to overwrite");
    }

    @Test
    void controllerAddressProblems() throws Exception {
        assertOneLineError(run("list", "--controller", "ftp://x"), 2, "http(s) URL");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Run refused = run("list", "--controller", "http://127.0.0.1:" + closedPort);
        assertOneLineError(refused, 2, "cannot reach the controller at http://127.0.0.1:" + closedPort + ": connection refused");
        assertThat(refused.err()).doesNotContain("null");
    }

    /** An answer that never ends (a hostile or broken server) is cut off at the limit: one line, exit 2, no exhausted heap. */
    @Test
    void anAnswerWithoutEndIsBounded() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] block = new byte[1 << 16];
            java.util.Arrays.fill(block, (byte) ' ');
            try (var body = exchange.getResponseBody()) {
                body.write('[');
                while (true) {
                    body.write(block);
                }
            } catch (java.io.IOException closedByTheClient) {
                exchange.close();
            }
        });
        server.start();
        try {
            Run r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("list", "--controller", "http://127.0.0.1:" + server.getAddress().getPort()));
            assertOneLineError(r, 2, "answered with more than 256 MiB");
        } finally {
            server.stop(0);
        }
    }

    /** With --json, a run that exits non-zero prints one JSON document that says so, whatever went wrong. */
    @Test
    void everyFailureWithJsonIsOneJsonDocumentSayingSo() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Files.writeString(dir.resolve("state.json"), "{\"payload\":{},\"signature\":{}}");
        List<String[]> failing = List.of(
                new String[] {"list", "--json", "--controller", "http://127.0.0.1:" + closedPort},
                new String[] {"verify-state", "--json", "--file", dir.resolve("missing.json").toString(), "--controller-key", "k.pub"},
                new String[] {"verify-state", "--json", "--file", dir.resolve("state.json").toString()},
                new String[] {"log", "verify-export", "--json", dir.resolve("missing.json").toString(), "--controller-key", "k.pub"},
                new String[] {"run", "--json", "--key", dir.resolve("absent").toString(), "cvm-1", "--", "true"},
                new String[] {"list", "--json", "--no-such-option"});
        for (String[] args : failing) {
            Run r = run(args);
            String what = String.join(" ", args);
            assertThat(r.exit()).as(what).isEqualTo(2);
            JsonNode doc = new ObjectMapper().readTree(r.out());
            assertThat(doc.path("ok").isBoolean()).as(what + ": " + r.out()).isTrue();
            assertThat(doc.path("ok").asBoolean()).as(what).isFalse();
            assertThat(doc.path("exit_code").asInt()).as(what).isEqualTo(2);
            assertThat(doc.path("error").asText()).as(what).isNotBlank().doesNotContain("Exception").doesNotContain("null");
            assertThat(r.err()).as(what).startsWith("duet: ");
        }
    }

    /**
     * Every file option reads only regular files, and only up to a limit: a device that never ends, a
     * FIFO nobody writes to, a sparse 3 GB file and a directory each give one line and exit 2, promptly.
     */
    @Test
    void readsAreBounded() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path sparse = dir.resolve("sparse");
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(3L << 30);
        }
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        String key = dir.resolve("owner.key").toString();
        assertThat(run("keygen", "--out", key).exit()).isZero();
        Path state = dir.resolve("state.json");
        Files.writeString(state, "{\"payload\":{},\"signature\":{}}");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String controller = "http://127.0.0.1:" + closedPort;
        for (Path source : List.of(Path.of("/dev/zero"), fifo, sparse, directory)) {
            String bad = source.toString();
            List<String[]> uses = List.of(
                    new String[] {"mode", "--controller", controller, "--key", bad, "cvm-1", "in-service"},
                    new String[] {"adopt", "--controller", controller, "--key", key, "--name", "n", "--host", "h", "--user", "u",
                            "--host-key", bad, "--bootstrap-key", key},
                    new String[] {"adopt", "--controller", controller, "--key", key, "--name", "n", "--host", "h", "--user", "u",
                            "--host-key", "SHA256:x", "--bootstrap-key", bad},
                    new String[] {"owners", "--controller", controller, "--key", bad},
                    new String[] {"verify-state", "--file", bad, "--controller-key", key + ".pub"},
                    new String[] {"verify-state", "--file", state.toString(), "--controller-key", bad},
                    new String[] {"verify-state", "--file", state.toString(), "--evidence", bad});
            for (String[] args : uses) {
                Run r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run(args), String.join(" ", args));
                assertOneLineError(r, 2, bad);
                assertThat(r.err()).as(String.join(" ", args)).containsAnyOf("not a regular file", "larger than");
            }
            Run export = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("log", "verify-export", bad, "--controller-key", key + ".pub"));
            if (source.equals(sparse)) {
                // An export is streamed, whatever its size: 3 GB of zero bytes is simply not an export.
                assertThat(export.exit()).isEqualTo(1);
                assertThat(export.out()).startsWith("TAMPERED: the export is not a JSON document the controller wrote: not well-formed JSON");
            } else {
                assertOneLineError(export, 2, bad + ": not a regular file");
            }
        }
    }

    @Test
    void offlineVerificationNeedsAnAnchor() throws Exception {
        Files.writeString(dir.resolve("state.json"), "{\"payload\":{},\"signature\":{}}");
        assertOneLineError(run("verify-state", "--file", dir.resolve("state.json").toString()), 2, "--controller-key or --evidence");
    }
}
