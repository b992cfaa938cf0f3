package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.SignedDocument;
import dev.duet.protocol.StrictJson;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `list` and `state` print is unverified, but it must still be what the route serves and safe
 * for a terminal: an answer of another shape is refused (nothing printed or saved), and control
 * characters the server put in a name cannot forge a line or drive the terminal.
 */
class UnverifiedAnswersTest {
    private static final String CVM = "cvm-0123456789abcdef";

    /** A stand-in that answers each path with the given JSON text. */
    private static HttpServer serving(Map<String, String> answers) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String answer = answers.getOrDefault(exchange.getRequestURI().getPath(), "{}");
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

    @Test
    void anAnswerThatIsNotASignedStateOfThatCvmIsNeitherPrintedNorSaved(@TempDir Path dir) throws Exception {
        HttpServer server = serving(Map.of("/v1/cvms/" + CVM, "{\"cvms\":[{\"id\":\"" + CVM + "\"}],\"size\":\"8\"}"));
        try {
            Path out = dir.resolve("state.json");
            CliInputTest.Run run = CliInputTest.run("state", CVM, "--controller", url(server), "--out", out.toString());
            assertThat(run.exit()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).contains("did not answer with a signed state of " + CVM);
            assertThat(run.out()).isEmpty();
            assertThat(out).doesNotExist();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aListOfOtherThingsIsRefused() throws Exception {
        HttpServer server = serving(Map.of("/v1/cvms", "{\"cvms\":[5,{\"name\":\"x\"}]}"));
        try {
            CliInputTest.Run run = CliInputTest.run("list", "--controller", url(server));
            assertThat(run.exit()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).contains("did not answer with a list of CVMs");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void controlCharactersInANameCannotForgeALineOrReachTheTerminal() throws Exception {
        String name = "web\\nTRUSTED\\u001b[31m\\u001b]0;pwn\\u0007\\u202e";
        HttpServer server = serving(Map.of("/v1/cvms", "{\"cvms\":[{\"id\":\"" + CVM + "\",\"mode\":\"in-service\",\"name\":\"" + name
                + "\",\"address\":\"root@127.0.0.1:22\"}]}"));
        try {
            CliInputTest.Run run = CliInputTest.run("list", "--controller", url(server));
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out().strip().lines()).hasSize(1);
            assertThat(run.out()).doesNotContain("\u001b", "\u0007", "\u202e").contains("web\\u000aTRUSTED\\u001b[31m");
        } finally {
            server.stop(0);
        }
    }

    /** The attestation provider is text whoever made the evidence chose: it reaches the terminal escaped, on one line. */
    @Test
    void controlCharactersInTheAttestationProviderCannotReachTheTerminal() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        com.fasterxml.jackson.databind.node.ObjectNode golden = (com.fasterxml.jackson.databind.node.ObjectNode) StrictJson.read(
                Files.readAllBytes(Goldens.file(dir, "evidence-simulated-snp-honest.json"))).path("payload");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            com.fasterxml.jackson.databind.node.ObjectNode payload = golden.deepCopy();
            payload.put("nonce", exchange.getRequestURI().getQuery().replaceFirst("^nonce=", ""));
            payload.putObject("signing_key").put("alg", "ed25519").put("key_id", key.publicKey().keyId())
                    .put("public_key", key.publicKey().base64());
            ((com.fasterxml.jackson.databind.node.ObjectNode) payload.get("attestation")).put("provider", "tsm\nTRUSTED\u001b[2J\u202e");
            byte[] bytes = SignedDocument.sign(key, payload).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (var body = exchange.getResponseBody()) {
                body.write(bytes);
            }
        });
        server.start();
        try {
            CliInputTest.Run run = CliInputTest.run("evidence", "--controller", url(server));
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.out()).contains("from tsm\\u000aTRUSTED\\u001b[2J");
            assertThat(run.out() + run.err()).doesNotContain("\u001b", "\u202e").doesNotContain("\nTRUSTED");
        } finally {
            server.stop(0);
        }
    }

    @TempDir Path dir;
}
