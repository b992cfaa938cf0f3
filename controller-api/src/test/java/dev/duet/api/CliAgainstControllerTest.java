package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's friendlier verbs against a real controller and Debian's real sshd: the progress that
 * {@code --wait} prints while it waits, and {@code duet log entries}, verified entry by entry.
 */
class CliAgainstControllerTest {
    @TempDir Path dir;

    @Test
    void waitPrintsEachStatusChangeOnStderrAndTheResultAloneOnStdout() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            EndToEndTest.CliRun adopt = EndToEndTest.adopt(running.url(), ownerKey, "web-1", sshd);
            assertThat(adopt.exit()).as(adopt.err()).isZero();
            String cvm = adopt.out().split(" ")[0];
            assertThat(adopt.out().lines()).as("stdout is the result").containsExactly(cvm + " in-update");
            List<String> progress = adopt.err().lines().filter(l -> l.startsWith("[duet] ")).toList();
            assertThat(progress).as(adopt.err()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(progress.get(0)).matches("\\[duet\\] " + cvm + " provisioning, at " + OpenSshServer.user() + "@127\\.0\\.0\\.1:" + sshd.port() + " after \\d+\\.\\d s");
            assertThat(progress.get(progress.size() - 1)).matches("\\[duet\\] " + cvm + " in-update, at " + OpenSshServer.user() + "@127\\.0\\.0\\.1:" + sshd.port()
                    + ", host key pinned after \\d+\\.\\d s");
            assertThat(progress).as("a line per change, none repeated").doesNotHaveDuplicates();
        }
    }

    @Test
    void logEntriesPagesTheLogAndOneCvmsEntriesEachProvedInTheCheckpoint() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        String state = dir.resolve("state").toString();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            String url = running.url();
            String cvm = EndToEndTest.adopt(url, ownerKey, "web-1", sshd).out().split(" ")[0];
            assertThat(cli("mode", "--controller", url, "--key", ownerKey.toString(), cvm, "in-service").exit()).isZero();
            // Entries 0 owner.registered, 1-3 the adoption (with the policy it starts with), 4 the mode change, 5 a refusal about another CVM.
            assertThat(new TestOwner(running.port(), owner).signed("DELETE", "/v1/cvms/cvm-0000000000000000", null).status()).isEqualTo(404);

            EndToEndTest.CliRun all = cli("log", "entries", "--controller", url, "--allow-no-tee", "--state-dir", state);
            assertThat(all.exit()).as(all.out() + all.err()).isZero();
            List<String> lines = all.out().lines().filter(l -> l.matches("\\d+  .*")).toList();
            assertThat(lines).hasSize(6);
            assertThat(lines.get(0)).startsWith("0  ").contains("  owner.registered");
            assertThat(lines.get(4)).startsWith("4  ").contains("  mode.changed  " + cvm + "  by owner:");
            assertThat(all.out()).contains("6 entries, each included in the checkpoint of size 6").contains("no more entries in this checkpoint");

            EndToEndTest.CliRun page = cli("log", "entries", "--controller", url, "--allow-no-tee", "--state-dir", state, "--start", "1", "--limit", "2");
            assertThat(page.exit()).as(page.err()).isZero();
            assertThat(page.out().lines().filter(l -> l.matches("\\d+  .*")).map(l -> l.split(" ")[0])).containsExactly("1", "2");
            assertThat(page.out()).contains("next page: --start 3");

            EndToEndTest.CliRun mine = cli("log", "entries", "--controller", url, "--allow-no-tee", "--state-dir", state, "--cvm", cvm, "--json");
            assertThat(mine.exit()).as(mine.err()).isZero();
            JsonNode json = TestOwner.JSON.readTree(mine.out());
            assertThat(json.path("included").asBoolean()).isTrue();
            assertThat(json.path("cvm").asText()).isEqualTo(cvm);
            assertThat(json.path("entries").findValuesAsText("seq")).containsExactly("1", "2", "3", "4");
            assertThat(json.path("next").isNull()).isTrue();

            try (TamperingProxy proxy = TamperingProxy.to(url)) {
                EndToEndTest.CliRun tampered = cli("log", "entries", "--controller", proxy.url(), "--allow-no-tee", "--state-dir", state);
                assertThat(tampered.exit()).as(tampered.out() + tampered.err()).isEqualTo(1);
                assertThat(tampered.out()).contains("NOT INCLUDED 4: ").contains("NOT ALL included").doesNotContain("mode.changed");
            }
        }
    }

    /** A man in the middle on loopback that passes everything on, but serves entry 4 as done by someone else. */
    private record TamperingProxy(HttpServer server) implements AutoCloseable {
        static TamperingProxy to(String upstream) throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                try {
                    HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI())).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    byte[] body = answer.body();
                    if (exchange.getRequestURI().getPath().equals("/v1/log/entries")) {
                        body = new String(body, StandardCharsets.UTF_8).replaceAll("(\"seq\":4,[^}]*\"actor\":\")owner:", "$1mallory:")
                                .getBytes(StandardCharsets.UTF_8);
                    }
                    exchange.getResponseHeaders().set("Content-Type", answer.headers().firstValue("Content-Type").orElse("application/json"));
                    exchange.sendResponseHeaders(answer.statusCode(), body.length);
                    exchange.getResponseBody().write(body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                }
            });
            server.start();
            return new TamperingProxy(server);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
