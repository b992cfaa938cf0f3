package dev.duet.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.log.EntryCodec;
import dev.duet.log.MalformedEntryException;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** A raw HTTP client for tests: sends exactly the bytes and headers a test asks for, signed or not. */
final class TestOwner {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The typed payload of a log entry as the API lists it; an entry that does not decode as {@code type} fails the test. */
    static <T extends Payload> T payload(JsonNode entry, Class<T> type) {
        try {
            return type.cast(PayloadCodec.decode(EntryCodec.fromJson(entry)));
        } catch (MalformedEntryException | MalformedPayloadException e) {
            throw new AssertionError("log entry does not decode: " + e.getMessage());
        }
    }
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    final Ed25519KeyPair key;
    private String controllerKeyId;

    TestOwner(int port, Ed25519KeyPair key) {
        this.base = "http://127.0.0.1:" + port;
        this.key = key;
    }

    record Reply(int status, String contentType, JsonNode body, String raw) {}

    Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Reply signed(String method, String path, String body) throws Exception {
        return signedWith(key, method, path, body, "application/json", Instant.now().getEpochSecond());
    }

    Reply signedWith(Ed25519KeyPair signer, String method, String path, String body, String contentType, long created) throws Exception {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(base + path);
        Map<String, String> headers = OwnerRequestSignature.sign(signer, controllerKeyId(), method, uri.getRawPath(), uri.getRawQuery(), bytes,
                created);
        return raw(method, path, bytes, contentType, headers);
    }

    /** The controller's key id, as the CLI learns it: from its checkpoint's origin line. */
    String controllerKeyId() throws Exception {
        if (controllerKeyId == null) {
            HttpResponse<String> note = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/log/checkpoint")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            controllerKeyId = note.body().lines().findFirst().orElseThrow().substring(ControllerLog.ORIGIN_PREFIX.length());
        }
        return controllerKeyId;
    }

    Reply raw(String method, String path, byte[] body, String contentType, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        headers.forEach(b::header);
        return send(b);
    }

    /** Adopts the test sshd and waits until the CVM is in-update; returns its id. */
    String adopt(dev.duet.provisioner.testing.OpenSshServer sshd) throws Exception {
        Reply created = signed("POST", "/v1/cvms", ApiRefusalTestBodies.adopt(sshd, sshd.hostPublicKey()));
        if (created.status() != 202) {
            throw new AssertionError("adoption refused: " + created.raw());
        }
        String id = created.body().path("id").asText();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        String mode;
        do {
            Thread.sleep(50);
            mode = get("/v1/cvms/" + id).body().path("payload").path("cvm").path("mode").asText();
        } while ("provisioning".equals(mode) && System.nanoTime() < deadline);
        if (!"in-update".equals(mode)) {
            throw new AssertionError("adoption ended in " + mode);
        }
        return id;
    }

    private Reply send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (Exception e) {
            json = null;
        }
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), json, r.body());
    }
}
