package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.duet.protocol.Ed25519KeyPair;
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
        CommandLine cli = DuetCli.commandLine(args);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /** One line of error; the note that an earlier answer came over plain HTTP (loopback) is not part of it. */
    static void assertOneLineError(Run r, int exit, String fragment) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        String error = r.err().lines().filter(l -> !l.startsWith(PLAIN_HTTP_NOTE)).collect(java.util.stream.Collectors.joining("\n"));
        assertThat(error).startsWith("duet: ").contains(fragment).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(error.strip().lines().count()).isEqualTo(1);
    }

    static final String PLAIN_HTTP_NOTE = "duet: plain HTTP to http://127.0.0.1:";

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
        assertOneLineError(run("mode", "--key", dir.resolve("absent").toString(), LoopbackController.CVM, "in-service"), 2, "cannot read owner key");
        Files.writeString(dir.resolve("junk"), "not a key");
        assertOneLineError(run("mode", "--key", dir.resolve("junk").toString(), LoopbackController.CVM, "in-service"), 2, "owner key");
        assertThat(run("keygen", "--out", dir.resolve("k").toString()).exit()).isZero();
        assertThat(Files.getPosixFilePermissions(dir.resolve("k"))).hasSize(2);
        assertOneLineError(run("keygen", "--out", dir.resolve("k").toString()), 2, "refusing to overwrite");
    }

    @Test
    void controllerAddressProblems() throws Exception {
        assertOneLineError(run("list", "--controller", "ftp://x"), 2, "not an http:// or https:// URL");
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
                new String[] {"run", "--json", "--key", dir.resolve("absent").toString(), LoopbackController.CVM, "--", "true"},
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
                    new String[] {"mode", "--controller", controller, "--key", bad, LoopbackController.CVM, "in-service"},
                    new String[] {"adopt", "--controller", controller, "--key", key, "--name", "n", "--host", "h", "--user", "u",
                            "--host-key", bad, "--bootstrap-key", key},
                    new String[] {"adopt", "--controller", controller, "--key", key, "--name", "n", "--host", "h", "--user", "u",
                            "--host-key", "SHA256:" + "A".repeat(43), "--bootstrap-key", bad},
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

    private String keygen(String name) {
        String key = dir.resolve(name).toString();
        assertThat(run("keygen", "--out", key).exit()).isZero();
        return key;
    }

    private Path sshKeygen(String name) throws Exception {
        Path key = dir.resolve(name);
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
        return key;
    }

    private static String[] adopt(LoopbackController c, String ownerKey, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("adopt", "--controller", c.url(), "--key", ownerKey, "--name", "n", "--host", "127.0.0.1",
                "--user", "root"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /**
     * The owner's key, in any of its forms, is never sent as a bootstrap key; the host key is public,
     * so a private key file given for it is refused; a bootstrap "key" that is not a private key (a
     * credentials file named by mistake) is not sent either. All before any request.
     */
    @Test
    void privateKeysAreRefusedBeforeAnythingIsSent() throws Exception {
        String owner = keygen("owner.key");
        Ed25519KeyPair pair = Ed25519KeyPair.parsePem(Files.readString(Path.of(owner)));
        Path ownerAsOpenSsh = dir.resolve("owner-openssh");
        Files.writeString(ownerAsOpenSsh, OpenSshKeys.privateKey(pair));
        Files.setPosixFilePermissions(ownerAsOpenSsh, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Process derive = new ProcessBuilder("ssh-keygen", "-y", "-f", ownerAsOpenSsh.toString()).redirectErrorStream(true).start();
        assertThat(new String(derive.getInputStream().readAllBytes()).strip()).as("ssh-keygen reads the converted key")
                .isEqualTo(OpenSshKeys.publicKeyLine(pair) + " owner");
        Path ownerPrivateBlockOnly = dir.resolve("owner-pkcs8.pem");
        Files.writeString(ownerPrivateBlockOnly, Files.readString(Path.of(owner)).substring(0, Files.readString(Path.of(owner)).indexOf("-----BEGIN PUBLIC KEY")));
        Path bootstrap = sshKeygen("bootstrap");
        Path hostKey = sshKeygen("host");
        Path credentials = dir.resolve("credentials");
        Files.writeString(credentials, "[default]\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n");
        try (LoopbackController c = LoopbackController.start(dir)) {
            for (Path ownKey : List.of(Path.of(owner), ownerAsOpenSsh, ownerPrivateBlockOnly)) {
                Run r = run(adopt(c, owner, "--host-key", hostKey + ".pub", "--bootstrap-key", ownKey.toString()));
                assertOneLineError(r, 2, "is your owner key");
            }
            Run notAKey = run(adopt(c, owner, "--host-key", hostKey + ".pub", "--bootstrap-key", credentials.toString()));
            assertOneLineError(notAKey, 2, "not an unencrypted OpenSSH or PEM private key");
            assertThat(notAKey.err()).doesNotContain("wJalr");
            Run privateHostKey = run(adopt(c, owner, "--host-key", hostKey.toString(), "--bootstrap-key", bootstrap.toString()));
            assertOneLineError(privateHostKey, 2, "is a private key");
            assertThat(privateHostKey.err()).contains(hostKey + ".pub");
            Run notAPublicKey = run(adopt(c, owner, "--host-key", credentials.toString(), "--bootstrap-key", bootstrap.toString()));
            assertOneLineError(notAPublicKey, 2, "not an OpenSSH public key line");
            assertThat(notAPublicKey.err()).doesNotContain("wJalr");
            assertThat(c.requests()).as("nothing was sent").isEmpty();

            Run sent = run(adopt(c, owner, "--host-key", hostKey + ".pub", "--bootstrap-key", bootstrap.toString()));
            assertThat(sent.exit()).as(sent.err()).isZero();
            assertThat(c.requests()).containsExactly("GET /v1/log/checkpoint", "POST /v1/cvms");
            assertThat(c.bodies().get(1)).contains("OPENSSH PRIVATE KEY").doesNotContain(Files.readString(Path.of(owner)).lines().skip(1).findFirst().orElseThrow());
        }
        Run overTheNetwork = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("adopt", "--controller", "http://192.0.2.1:8080", "--key", owner,
                "--name", "n", "--host", "h", "--user", "root", "--host-key", hostKey + ".pub", "--bootstrap-key", bootstrap.toString()));
        assertOneLineError(overTheNetwork, 2, "plain HTTP");
    }

    /**
     * Plain HTTP goes to localhost or a loopback address as written; any other name is refused
     * before it is resolved, since the connection would resolve it again (DNS rebinding).
     */
    @Test
    void plainHttpGoesOnlyToLocalhostOrALoopbackAddressAsWritten() throws Exception {
        try (LoopbackController c = LoopbackController.start(dir)) {
            for (String host : List.of("localhost", "127.0.0.1")) {
                Run listed = run("list", "--controller", c.url().replace("127.0.0.1", host));
                assertThat(listed.exit()).as(host + ": " + listed.err()).isZero();
            }
            assertThat(c.requests()).containsExactly("GET /v1/cvms", "GET /v1/cvms");
        }
        Run named = run("list", "--controller", "http://controller.invalid:8080");
        assertOneLineError(named, 2, "refusing plain HTTP to http://controller.invalid:8080, whose host is a name DNS answers for");
        Run elsewhere = run("list", "--controller", "http://[2001:db8::1]:8080");
        assertOneLineError(elsewhere, 2, "refusing plain HTTP to http://[2001:db8::1]:8080, which is not this machine");
    }

    /** A controller that accepts and never answers, or answers a byte at a time, is cut off at the timeout, naming the URL. */
    @Test
    void aControllerThatStallsIsCutOffAtTheTimeout() throws Exception {
        String owner = keygen("owner.key");
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String url = "http://127.0.0.1:" + silent.getLocalPort();
            Run list = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("list", "--controller", url, "--http-timeout", "2"));
            assertOneLineError(list, 2, "no answer within 2 s from the controller at " + url);
        }
        // It answers the checkpoint (which names the controller a request is signed for), then never the command.
        HttpServer stalling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StandInCheckpoint.serve(stalling);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        stalling.createContext("/", exchange -> {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        stalling.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        }));
        stalling.start();
        try {
            String url = "http://127.0.0.1:" + stalling.getAddress().getPort();
            Run command = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("run", "--controller", url, "--http-timeout", "2", "--key", owner,
                    "--timeout", "1", LoopbackController.CVM, "--", "true"));
            assertOneLineError(command, 255, "no answer within 3 s from the controller at " + url);
        } finally {
            released.countDown();
            stalling.stop(0);
        }
        try (ServerSocket trickle = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (java.net.Socket client = trickle.accept()) {
                    var out = client.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[".getBytes());
                    out.flush();
                    while (true) {
                        Thread.sleep(200);
                        out.write(' ');
                        out.flush();
                    }
                } catch (Exception closed) {
                    // The client gave up, as it should.
                }
            });
            server.setDaemon(true);
            server.start();
            String url = "http://127.0.0.1:" + trickle.getLocalPort();
            Run list = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("list", "--controller", url, "--http-timeout", "2"));
            assertOneLineError(list, 2, "no answer within 2 s from the controller at " + url);
        }
        try (LoopbackController c = LoopbackController.start(dir)) {
            Run waited = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> run("create", "--controller", c.url(), "--key", owner, "--name", "n",
                    "--wait", "--wait-timeout", "1"));
            assertThat(waited.err()).as("the status, once: it did not change").startsWith("[duet] " + LoopbackController.CVM + " provisioning after 0.");
            assertOneLineError(new Run(waited.exit(), waited.out(), waited.err().substring(waited.err().indexOf('\n') + 1)), 2,
                    LoopbackController.CVM + " is still provisioning after 1 s");
        }
    }

    /** A CVM argument that is neither a CVM id nor a name is a usage error for every verb that takes one, and nothing is sent. */
    @Test
    void aCvmArgumentThatIsNeitherACvmIdNorANameIsAUsageError() throws Exception {
        String owner = keygen("owner.key");
        Path state = dir.resolve("state.json");
        Files.writeString(state, "{\"payload\":{},\"signature\":{}}");
        try (LoopbackController c = LoopbackController.start(dir)) {
            for (String bad : List.of("", " ", "..", "a/b", LoopbackController.CVM + "/mode", "%2e%2e", "_web", "web 1", "cvm-0123456789ABCDEF")) {
                List<String[]> uses = List.of(
                        new String[] {"state", "--controller", c.url(), bad},
                        new String[] {"state", "--controller", c.url(), bad, "--out", dir.resolve("saved.json").toString()},
                        new String[] {"verify-state", "--controller", c.url(), "--allow-no-tee", bad},
                        new String[] {"verify-state", "--file", state.toString(), "--allow-no-tee", "--evidence", state.toString(), "--expect-cvm", bad},
                        new String[] {"run", "--controller", c.url(), "--key", owner, bad, "--", "true"},
                        new String[] {"mode", "--controller", c.url(), "--key", owner, bad, "in-service"},
                        new String[] {"stop", "--controller", c.url(), "--key", owner, bad});
                for (String[] args : uses) {
                    Run r = run(args);
                    String what = String.join(" ", args);
                    assertThat(r.exit()).as(what + ": " + r.err()).isEqualTo(2);
                    assertThat(r.err()).as(what).startsWith("duet: ").contains("not a CVM id or name").doesNotContain("Exception");
                }
            }
            assertThat(Files.exists(dir.resolve("saved.json"))).isFalse();
            assertThat(c.requests()).as("nothing was sent").isEmpty();
        }
    }

    /** Owner verbs check their other arguments too: a usage error, nothing sent. */
    @Test
    void ownerArgumentsAreCheckedBeforeAnythingIsSent() throws Exception {
        String owner = keygen("owner.key");
        Path host = sshKeygen("host");
        Path bootstrap = sshKeygen("bootstrap");
        try (LoopbackController c = LoopbackController.start(dir)) {
            List<String[]> uses = new java.util.ArrayList<>();
            uses.add(new String[] {"mode", "--controller", c.url(), "--key", owner, LoopbackController.CVM, "stopped"});
            for (String timeout : List.of("0", "-1", "NaN", "Infinity", "1e309", "0.5")) {
                uses.add(new String[] {"run", "--controller", c.url(), "--key", owner, "--timeout", timeout, LoopbackController.CVM, "--", "true"});
            }
            for (String[] bad : List.of(new String[] {"--name", ""}, new String[] {"--name", "a/b"}, new String[] {"--host", ""},
                    new String[] {"--user", ""}, new String[] {"--port", "0"}, new String[] {"--port", "65536"}, new String[] {"--authorized-keys-path", ""})) {
                List<String> args = new java.util.ArrayList<>(List.of(adopt(c, owner, "--host-key", host + ".pub", "--bootstrap-key", bootstrap.toString())));
                int at = args.indexOf(bad[0]);
                if (at >= 0) {
                    args.set(at + 1, bad[1]);
                } else {
                    args.addAll(List.of(bad));
                }
                uses.add(args.toArray(String[]::new));
            }
            uses.add(new String[] {"create", "--controller", c.url(), "--key", owner, "--name", ""});
            uses.add(new String[] {"create", "--controller", c.url(), "--key", owner, "--name", "n", "--wait", "--wait-timeout", "0"});
            for (String[] args : uses) {
                Run r = run(args);
                String what = String.join(" ", args);
                assertThat(r.exit()).as(what + ": " + r.err()).isEqualTo(2);
                assertThat(r.err()).as(what).startsWith("duet: ").doesNotContain("Exception").doesNotContain("internal error");
            }
            assertThat(c.requests()).as("nothing was sent").isEmpty();
        }
    }

    /**
     * The controller URL is the controller's own address: a query, a fragment, a path (signed owner
     * requests cover the path the controller sees) or a user name and password are usage errors,
     * the password never echoed; an unknown host says so by name.
     */
    @Test
    void controllerUrlsAreCheckedBeforeAnythingIsSent() throws Exception {
        try (LoopbackController c = LoopbackController.start(dir)) {
            for (String suffix : List.of("?x=1", "/?x=1", "#top", "/v1", "/prefix/")) {
                assertOneLineError(run("list", "--controller", c.url() + suffix), 2, "--controller");
            }
            Run userInfo = run("list", "--controller", c.url().replace("//", "//user:s3cret@"));
            assertOneLineError(userInfo, 2, "user name");
            assertThat(userInfo.err()).doesNotContain("s3cret");
            assertOneLineError(run("list", "--controller", "http://127.0.0.1:99999"), 2, "port");
            assertOneLineError(run("list", "--controller", "file:///etc/passwd"), 2, "http:// or https://");
            assertOneLineError(run("list", "--controller", "127.0.0.1:8080"), 2, "http:// or https://");
            assertThat(c.requests()).as("nothing was sent").isEmpty();
            assertThat(run("list", "--controller", c.url() + "/").exit()).isZero();
            assertThat(run("list", "--controller", c.url().toUpperCase(java.util.Locale.ROOT)).exit()).isZero();
        }
        assertOneLineError(run("list", "--controller", "https://no-such-host.invalid:8080"), 2,
                "cannot reach the controller at https://no-such-host.invalid:8080: unknown host no-such-host.invalid");
    }

    /**
     * {@code log export}: a directory as {@code --out} fails before anything is written; {@code -}
     * is refused (stdout carries the report); for a file name that starts with '-' the printed
     * verify command works when pasted into a shell as printed.
     */
    @Test
    void logExportWritesOnlyWhatItCanFinishAndItsHintWorksAsPrinted() throws Exception {
        try (LoopbackController c = LoopbackController.start(dir)) {
            Path cwd = Files.createDirectory(dir.resolve("cwd"));
            Path target = Files.createDirectory(cwd.resolve("target"));
            Run toDirectory = run("log", "export", "--controller", c.url(), "--out", target.toString());
            assertOneLineError(toDirectory, 2, target + " is a directory");
            try (java.util.stream.Stream<Path> left = Files.list(cwd)) {
                assertThat(left).as("nothing written beside it").containsExactly(target);
            }
            assertThat(c.requests()).as("nothing fetched either").isEmpty();

            ChildCli.Result dash = ChildCli.shell(cwd, dir, Duration.ofSeconds(60), "duet log export --controller " + c.url() + " --out -");
            assertThat(dash.exit()).as(dash.err()).isEqualTo(2);
            assertThat(dash.err()).startsWith("duet: ").contains("./-");
            try (java.util.stream.Stream<Path> left = Files.list(cwd)) {
                assertThat(left).containsExactly(target);
            }

            ChildCli.Result exported = ChildCli.shell(cwd, dir, Duration.ofSeconds(60), "duet log export --controller " + c.url() + " --out=-x.json");
            assertThat(exported.exit()).as(exported.err()).isZero();
            assertThat(cwd.resolve("-x.json")).isRegularFile();
            String hint = exported.out().lines().filter(l -> l.strip().startsWith("duet log verify-export")).findFirst().orElseThrow().strip();
            ChildCli.Result verified = ChildCli.shell(cwd, dir, Duration.ofSeconds(60), hint);
            assertThat(verified.exit()).as(hint + ": " + verified.out() + verified.err()).isZero();
            assertThat(verified.out()).contains("INTACT");
        }
    }

    @Test
    void offlineVerificationNeedsAnAnchor() throws Exception {
        Files.writeString(dir.resolve("state.json"), "{\"payload\":{},\"signature\":{}}");
        assertOneLineError(run("verify-state", "--file", dir.resolve("state.json").toString()), 2, "--controller-key or --evidence");
    }
}
