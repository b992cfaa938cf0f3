package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.duet.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet owners} and {@code duet evidence} are checks a CI job can rely on: "registered" only
 * for an entry 0 proved to be in a checkpoint signed by a trusted controller key, and "evidence"
 * exits 0 only when the evidence verifies and attests the controller (or --allow-no-tee says
 * otherwise), in text and in JSON. A server in the middle rewrites the real controller's answers.
 */
class OwnersAndEvidenceTest {
    @TempDir Path dir;

    /** Serves {@code answer(path, realAnswer)} for every GET, forwarding to {@code upstream} (if not null) for the real answer. */
    private static HttpServer serve(String upstream, BiFunction<String, String, String> answer) throws IOException {
        HttpClient http = HttpClient.newHttpClient();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().toString();
            try {
                String real = null;
                int status = 404;
                String type = "application/json";
                if (upstream != null) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(upstream + path)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    real = r.body();
                    status = r.statusCode();
                    type = r.headers().firstValue("Content-Type").orElse(type);
                }
                String body = answer.apply(path, real);
                reply(exchange, body == null ? status : 200, type, body == null ? (real == null ? "{}" : real) : body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reply(exchange, 502, "application/json", "{}");
            }
        });
        server.start();
        return server;
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Item 1: owners trusted an unsigned entry 0 from whoever answered (exit 0, "registered": true). */
    @Test
    void ownersIsRegisteredOnlyForAnEntryZeroProvedInASignedCheckpoint() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Ed25519KeyPair stranger = Ed25519KeyPair.generate();
        Path ownerPub = Files.writeString(dir.resolve("owner.pub"), owner.publicKey().toPem());
        Path strangerPub = Files.writeString(dir.resolve("stranger.pub"), stranger.publicKey().toPem());
        Path pinned = dir.resolve("controller.pub");
        String stateDir = dir.resolve("state").toString();
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            Files.writeString(pinned, running.controller.signingKey().toPem());
            String fakeEntry = "{\"size\":1,\"head\":\"00\",\"entries\":[{\"seq\":0,\"kind\":\"owner.registered\",\"payload\":{\"owner_keys\":"
                    + "[{\"key_id\":\"" + stranger.publicKey().keyId() + "\"}]}}]}";
            HttpServer fake = serve(null, (path, real) -> path.startsWith("/v1/log/entries") ? fakeEntry : null);
            try {
                // Without a trust option the CLI fails before it would remember a checkpoint, so no --state-dir is needed.
                for (List<String> extra : List.of(List.<String>of(), List.of("--controller-key", pinned.toString(), "--state-dir", stateDir),
                        List.of("--allow-no-tee", "--state-dir", stateDir))) {
                    List<String> command = new java.util.ArrayList<>(List.of("owners", "--controller", url(fake), "--key", strangerPub.toString()));
                    command.addAll(extra);
                    EndToEndTest.CliRun r = cli(command.toArray(String[]::new));
                    assertThat(r.exit()).as(extra + ": " + r.out() + r.err()).isNotZero();
                    assertThat(r.out()).as(extra.toString()).doesNotContain("is registered");
                }
            } finally {
                fake.stop(0);
            }

            String[] trust = {"--controller-key", pinned.toString(), "--state-dir", stateDir};

            EndToEndTest.CliRun mine = cli(concat(new String[] {"owners", "--controller", running.url(), "--key", ownerPub.toString()}, trust));
            assertThat(mine.exit()).as(mine.out() + mine.err()).isZero();
            assertThat(mine.out()).contains("owner " + owner.publicKey().keyId())
                    .contains("your key " + owner.publicKey().keyId() + " is registered").contains("log entry 0, in the checkpointed log of size 1");
            EndToEndTest.CliRun notMine = cli(concat(new String[] {"owners", "--json", "--controller", running.url(), "--key", strangerPub.toString()}, trust));
            assertThat(notMine.exit()).isEqualTo(1);
            JsonNode notMineJson = TestOwner.JSON.readTree(notMine.out());
            assertThat(notMineJson.path("verified").asBoolean()).isTrue();
            assertThat(notMineJson.path("registered").asBoolean(true)).isFalse();

            EndToEndTest.CliRun untrusted = cli("owners", "--controller", running.url(), "--key", ownerPub.toString(), "--state-dir", stateDir);
            assertThat(untrusted.exit()).as("no anchor for the controller's key: " + untrusted.out()).isEqualTo(1);
            assertThat(untrusted.err()).contains("controller not attested");
            assertThat(untrusted.out()).doesNotContain("is registered");
            EndToEndTest.CliRun insecure = cli("owners", "--controller", running.url(), "--key", ownerPub.toString(), "--allow-no-tee", "--state-dir", stateDir);
            assertThat(insecure.exit()).as(insecure.out() + insecure.err()).isZero();
            assertThat(insecure.out()).contains("INSECURE").contains("is registered");

            HttpServer middle = serve(running.url(), (path, real) -> {
                if (!path.startsWith("/v1/log/entries?start=0")) {
                    return null;
                }
                try {
                    JsonNode page = TestOwner.JSON.readTree(real);
                    ((com.fasterxml.jackson.databind.node.ArrayNode) page.at("/entries/0/payload/owner_keys")).addObject()
                            .put("key_id", stranger.publicKey().keyId()).put("public_key", stranger.publicKey().base64());
                    return TestOwner.JSON.writeValueAsString(page);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                EndToEndTest.CliRun forged = cli(concat(new String[] {"owners", "--controller", url(middle), "--key", strangerPub.toString()}, trust));
                assertThat(forged.exit()).as(forged.out() + forged.err()).isEqualTo(1);
                assertThat(forged.out()).contains("NOT VERIFIED").contains("entry 0 is not in the checkpointed log").doesNotContain("is registered");
                EndToEndTest.CliRun forgedJson = cli(concat(new String[] {"owners", "--json", "--controller", url(middle), "--key", strangerPub.toString()}, trust));
                assertThat(forgedJson.exit()).isEqualTo(1);
                JsonNode verdict = TestOwner.JSON.readTree(forgedJson.out());
                assertThat(verdict.path("verified").asBoolean(true)).isFalse();
                assertThat(verdict.path("registered").asBoolean(true)).isFalse();
            } finally {
                middle.stop(0);
            }
        }
    }

    private static String[] concat(String[] first, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(more)).toArray(String[]::new);
    }

    /** Item 3: evidence --json printed evidence with an invalid signature and exited 0; text mode exited 0 after "NOT ATTESTED". */
    @Test
    void evidenceExitsZeroOnlyWhenItVerifiesAndAttestsTheController() throws Exception {
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()))) {
            EndToEndTest.CliRun text = cli("evidence", "--controller", running.url());
            assertThat(text.exit()).as(text.out() + text.err()).isEqualTo(1);
            assertThat(text.out()).contains("tee: none").contains("NOT ATTESTED");
            assertThat(text.err()).contains("--allow-no-tee");
            EndToEndTest.CliRun json = cli("evidence", "--json", "--controller", running.url());
            assertThat(json.exit()).isEqualTo(1);
            JsonNode failure = TestOwner.JSON.readTree(json.out());
            assertThat(failure.path("ok").asBoolean(true)).isFalse();
            assertThat(failure.path("error").asText()).contains("NOT ATTESTED");

            EndToEndTest.CliRun insecure = cli("evidence", "--allow-no-tee", "--controller", running.url());
            assertThat(insecure.exit()).as(insecure.out() + insecure.err()).isZero();
            assertThat(insecure.out()).contains("INSECURE");
            EndToEndTest.CliRun saved = cli("evidence", "--json", "--allow-no-tee", "--controller", running.url());
            assertThat(saved.exit()).isZero();
            assertThat(TestOwner.JSON.readTree(saved.out()).at("/payload/format").asText()).isEqualTo("duet.controller-evidence/v1");

            String replayed = new TestOwner(running.port(), null).get("/v1/controller/evidence?nonce=old").raw();
            ObjectNode badSignature = (ObjectNode) TestOwner.JSON.readTree(replayed);
            ((ObjectNode) badSignature.get("payload")).put("warning", "forged");
            String forged = TestOwner.JSON.writeValueAsString(badSignature);
            for (String served : List.of(replayed, forged)) {
                HttpServer fake = serve(null, (path, real) -> path.startsWith("/v1/controller/evidence") ? served : null);
                try {
                    for (List<String> mode : List.of(List.<String>of(), List.of("--json"), List.of("--json", "--allow-no-tee"))) {
                        List<String> command = new java.util.ArrayList<>(List.of("evidence", "--controller", url(fake)));
                        command.addAll(mode);
                        EndToEndTest.CliRun r = cli(command.toArray(String[]::new));
                        String what = (served == replayed ? "replayed evidence " : "invalid signature ") + mode;
                        assertThat(r.exit()).as(what + ": " + r.out() + r.err()).isEqualTo(1);
                        assertThat(r.err()).as(what).contains(served == replayed ? "not fresh" : "not signed by the key it names");
                        if (mode.contains("--json")) {
                            assertThat(TestOwner.JSON.readTree(r.out()).path("ok").asBoolean(true)).as(what).isFalse();
                        }
                    }
                } finally {
                    fake.stop(0);
                }
            }
        }
    }
}
