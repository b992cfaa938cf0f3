package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.protocol.SignedDocument;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CVM names where the CLI takes an id, and {@code duet remove}, against a stand-in on loopback that
 * answers as the contract with the controller says (a {@code /v1/cvms/{id}} route takes a listed
 * CVM's name; {@code DELETE /v1/cvms/{id}/listing} answers with the CVM's view). The stand-in
 * serves "web-1" as {@link #ID}, and "liar" with a document about web-1, as a controller that
 * resolved a name wrongly would. The real controller's side is tested in controller-api
 * (CvmNamesCliTest).
 */
class CvmNamesTest {
    private static final String ID = "cvm-00000000000000aa";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> signatures = new CopyOnWriteArrayList<>();

    private HttpServer standIn() throws IOException {
        Ed25519KeyPair controller = Ed25519KeyPair.generate();
        ObjectNode view = JSON.createObjectNode().put("id", ID).put("name", "web-1").put("mode", "stopped");
        ObjectNode payload = JSON.createObjectNode().put("format", CvmState.FORMAT);
        payload.set("cvm", view);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StandInCheckpoint.serve(server);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            requests.add(exchange.getRequestMethod() + " " + path);
            signatures.add(Map.of("input", String.valueOf(exchange.getRequestHeaders().getFirst(OwnerRequestSignature.SIGNATURE_INPUT)),
                    "signature", String.valueOf(exchange.getRequestHeaders().getFirst(OwnerRequestSignature.SIGNATURE))));
            if (exchange.getRequestMethod().equals("DELETE") && (path.equals("/v1/cvms/web-1/listing") || path.equals("/v1/cvms/" + ID + "/listing"))) {
                send(exchange, 200, JSON.writeValueAsBytes(view));
            } else if (path.equals("/v1/cvms/web-1") || path.equals("/v1/cvms/" + ID) || path.equals("/v1/cvms/liar")) {
                send(exchange, 200, JSON.writeValueAsBytes(SignedDocument.sign(controller, payload)));
            } else if (exchange.getRequestMethod().equals("DELETE") && path.equals("/v1/cvms/liar/listing")) {
                send(exchange, 200, JSON.writeValueAsBytes(view));
            } else {
                send(exchange, 404, "{\"type\":\"urn:duet:problem:not-found\",\"detail\":\"no CVM of that id or name\"}".getBytes(StandardCharsets.UTF_8));
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

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aNameGoesWhereAnIdWentAndTheAnswerMustBeAboutThatCvm() throws Exception {
        HttpServer server = standIn();
        try {
            CliInputTest.Run byName = CliInputTest.run("state", "--controller", url(server), "web-1");
            assertThat(byName.exit()).as(byName.err()).isZero();
            assertThat(byName.out()).startsWith(ID + " stopped");
            CliInputTest.Run byId = CliInputTest.run("state", "--controller", url(server), ID);
            assertThat(byId.exit()).as(byId.err()).isZero();
            assertThat(requests).containsExactly("GET /v1/cvms/web-1", "GET /v1/cvms/" + ID);

            CliInputTest.assertOneLineError(CliInputTest.run("state", "--controller", url(server), "liar"), 2,
                    "did not answer with a signed state of liar");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aNewCvmsNameOfAnIdsFormIsAUsageErrorAndNothingIsSent() throws Exception {
        String key = dir.resolve("owner.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
        HttpServer server = standIn();
        try {
            for (String name : List.of(ID, "cvm-00000000000000AA")) {
                CliInputTest.Run r = CliInputTest.run("create", "--controller", url(server), "--key", key, "--name", name);
                assertThat(r.exit()).as(r.err()).isEqualTo(2);
                assertThat(r.err()).startsWith("duet: ").contains("not of an id's form");
            }
            assertThat(requests).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void removeSendsAnOwnerSignedDeleteOfTheListing() throws Exception {
        String key = dir.resolve("owner.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
        HttpServer server = standIn();
        try {
            CliInputTest.Run removed = CliInputTest.run("remove", "--controller", url(server), "--key", key, "web-1");
            assertThat(removed.exit()).as(removed.err()).isZero();
            assertThat(removed.out()).isEqualTo(ID + " (web-1, stopped) removed from the list; its history stays in the log\n");
            assertThat(requests).containsExactly("DELETE /v1/cvms/web-1/listing");
            assertThat(signatures.get(0).get("input")).startsWith(OwnerRequestSignature.LABEL + "=");
            assertThat(signatures.get(0).get("signature")).startsWith(OwnerRequestSignature.LABEL + "=:");

            CliInputTest.Run json = CliInputTest.run("remove", "--controller", url(server), "--key", key, "--json", ID);
            assertThat(json.exit()).as(json.err()).isZero();
            assertThat(JSON.readTree(json.out()).path("id").asText()).isEqualTo(ID);
            assertThat(requests).containsExactly("DELETE /v1/cvms/web-1/listing", "DELETE /v1/cvms/" + ID + "/listing");

            CliInputTest.assertOneLineError(CliInputTest.run("remove", "--controller", url(server), "--key", key, "liar"), 2,
                    "did not answer with the CVM liar it removed");
            CliInputTest.assertOneLineError(CliInputTest.run("remove", "--controller", url(server), "--key", key, "gone"), 1,
                    "controller refused (404 not-found)");
        } finally {
            server.stop(0);
        }
    }
}
