package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.SignedDocument;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A controller stand-in on loopback for the CLI's own tests: it serves a real signed log (a
 * {@link GeneratedExport} of a few entries), signed evidence for a development controller
 * ({@code tee: none}, with the nonce asked for), one CVM that stays in provisioning, and answers every owner request with 202
 * and that CVM. It records every request it receives, so a test can show that nothing was sent.
 */
final class LoopbackController implements AutoCloseable {
    static final String CVM = "cvm-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<byte[]> bodies = new CopyOnWriteArrayList<>();

    private LoopbackController(HttpServer server) {
        this.server = server;
    }

    static LoopbackController start(Path dir) throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path export = Files.createTempFile(dir, "served", ".json");
        GeneratedExport.write(export, key, 3, 40);
        JsonNode log = JSON.readTree(export.toFile());
        Files.delete(export);
        ObjectNode payload = JSON.createObjectNode().put("format", CvmState.EVIDENCE_FORMAT).put("tee", "none");
        payload.putObject("signing_key").put("alg", "ed25519").put("key_id", key.publicKey().keyId()).put("public_key", key.publicKey().base64());
        payload.putObject("log").put("origin", ControllerLog.origin(key.publicKey()));
        ObjectNode cvm = JSON.createObjectNode().put("id", CVM).put("name", "n").put("mode", "provisioning");

        LoopbackController controller = new LoopbackController(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        controller.server.createContext("/", exchange -> {
            controller.requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            controller.bodies.add(exchange.getRequestBody().readAllBytes());
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET")) {
                send(exchange, 202, "application/json", JSON.writeValueAsBytes(cvm));
            } else if (path.equals("/v1/controller/evidence")) {
                ObjectNode fresh = payload.deepCopy();
                String query = exchange.getRequestURI().getQuery();
                if (query != null && query.startsWith("nonce=")) {
                    fresh.put("nonce", query.substring("nonce=".length()));
                }
                send(exchange, 200, "application/json", JSON.writeValueAsBytes(SignedDocument.sign(key, fresh)));
            } else if (path.equals("/v1/log/checkpoint")) {
                send(exchange, 200, "text/plain", log.path("checkpoint").asText().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/v1/log/entries")) {
                ArrayNode entries = JSON.createArrayNode();
                int start = Integer.parseInt(exchange.getRequestURI().getQuery().replaceAll(".*start=([0-9]+).*", "$1"));
                for (int i = start; i < log.path("entries").size(); i++) {
                    entries.add(log.path("entries").get(i));
                }
                ObjectNode page = JSON.createObjectNode();
                page.set("entries", entries);
                send(exchange, 200, "application/json", JSON.writeValueAsBytes(page));
            } else if (path.equals("/v1/cvms")) {
                ObjectNode list = JSON.createObjectNode();
                list.putArray("cvms").add(cvm);
                send(exchange, 200, "application/json", JSON.writeValueAsBytes(list));
            } else {
                send(exchange, 404, "application/problem+json", "{\"type\":\"urn:duet:problem:not-found\",\"detail\":\"no such thing\"}"
                        .getBytes(StandardCharsets.UTF_8));
            }
        });
        controller.server.start();
        return controller;
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    URI uri() {
        return URI.create(url());
    }

    /** Every request received, as "METHOD /path?query". */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** Every request body received, as text. */
    List<String> bodies() {
        return bodies.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
