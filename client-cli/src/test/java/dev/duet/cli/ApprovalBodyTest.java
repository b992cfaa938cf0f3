package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.duet.log.Sha256Hash;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet approvals show} and {@code duet approve} see the body a governed request's owner
 * signed, against a stand-in on loopback: an honest one serves the body that hashes to its
 * {@code body_sha256}, and the approval sent names that hash; a lying one serves another body
 * (the penetration test's owner change, shown as something harmless), and both verbs refuse with
 * one line, {@code approve} before signing or sending anything. The real controller's side is
 * tested in controller-api (GovernanceTest, GovernanceCliTest).
 */
class ApprovalBodyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HONEST = "apr-00000000000000aa";
    private static final String LIAR = "apr-00000000000000bb";
    private static final String SIGNED = "{\"remove\":[\"bob\",\"carol\"],\"threshold\":1}";
    private static final String SHOWN = "{\"threshold\":2}";

    @TempDir Path dir;

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    private static ObjectNode approval(String id, String body, String bodySha256) {
        ObjectNode a = JSON.createObjectNode().put("id", id).putNull("cvm").put("method", "POST").put("path", "/v1/owners")
                .put("body_sha256", bodySha256).put("body", body).put("requested_by", "alice");
        a.putArray("approved_by").add("alice");
        return a.put("threshold", 2).put("expires", "2026-12-02T16:00:00Z").put("state", "pending").put("requested_index", 3);
    }

    private HttpServer standIn() throws IOException {
        String hash = Sha256Hash.of(SIGNED.getBytes(StandardCharsets.UTF_8)).hex();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StandInCheckpoint.serve(server);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            requests.add(exchange.getRequestMethod() + " " + path);
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (path.equals("/v1/approvals/" + HONEST) && exchange.getRequestMethod().equals("GET")) {
                send(exchange, 200, JSON.writeValueAsBytes(approval(HONEST, SIGNED, hash)));
            } else if (path.equals("/v1/approvals/" + LIAR) && exchange.getRequestMethod().equals("GET")) {
                send(exchange, 200, JSON.writeValueAsBytes(approval(LIAR, SHOWN, hash)));
            } else if (path.equals("/v1/approvals/" + HONEST) && exchange.getRequestMethod().equals("POST")) {
                ObjectNode answer = JSON.createObjectNode();
                ObjectNode a = approval(HONEST, SIGNED, hash);
                a.withArray("approved_by").add("bob");
                answer.set("approval", a.put("state", "pending"));
                send(exchange, 200, JSON.writeValueAsBytes(answer));
            } else {
                send(exchange, 404, "{\"type\":\"urn:duet:problem:unknown-approval\",\"detail\":\"no such request\"}".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        return server;
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Test
    void theBodyIsShownAndTheApprovalNamesItsHash() throws Exception {
        String key = dir.resolve("bob.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
        HttpServer server = standIn();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            CliInputTest.Run shown = CliInputTest.run("approvals", "show", "--controller", url, HONEST);
            assertThat(shown.exit()).as(shown.err()).isZero();
            assertThat(shown.out()).startsWith(HONEST + " pending: POST /v1/owners by alice")
                    .contains("body (SHA-256 " + Sha256Hash.of(SIGNED.getBytes(StandardCharsets.UTF_8)).hex() + "):")
                    .contains("\"remove\" : [ \"bob\", \"carol\" ]", "\"threshold\" : 1");

            CliInputTest.Run approved = CliInputTest.run("approve", "--controller", url, "--key", key, HONEST);
            assertThat(approved.exit()).as(approved.err()).isZero();
            assertThat(approved.out()).startsWith("approving " + HONEST).contains("\"remove\" : [ \"bob\", \"carol\" ]");
            assertThat(requests).containsExactly("GET /v1/approvals/" + HONEST, "GET /v1/approvals/" + HONEST, "POST /v1/approvals/" + HONEST);
            JsonNode sent = JSON.readTree(bodies.get(2));
            assertThat(sent.path("body_sha256").asText()).as("the approval binds the body shown")
                    .isEqualTo(Sha256Hash.of(SIGNED.getBytes(StandardCharsets.UTF_8)).hex());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBodyThatDoesNotHashToBodySha256IsRefusedAndNothingIsApproved() throws Exception {
        String key = dir.resolve("bob.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
        HttpServer server = standIn();
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            CliInputTest.Run shown = CliInputTest.run("approvals", "show", "--controller", url, LIAR);
            CliInputTest.assertOneLineError(shown, 1, "does not show what waits");
            assertThat(shown.out()).as("nothing of the lie is printed").isEmpty();
            CliInputTest.assertOneLineError(CliInputTest.run("approvals", "show", "--controller", url, "--json", LIAR), 1,
                    "does not show what waits");
            CliInputTest.Run approved = CliInputTest.run("approve", "--controller", url, "--key", key, LIAR);
            CliInputTest.assertOneLineError(approved, 1, "does not show what waits; nothing approved");
            assertThat(requests).as("no approval was sent").containsOnly("GET /v1/approvals/" + LIAR);
        } finally {
            server.stop(0);
        }
    }
}
