package dev.duet.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** An owner's signed request to the controller a benchmark runs; any refusal ends the run. */
final class BenchOwner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final java.util.Map<String, String> KEY_IDS = new java.util.concurrent.ConcurrentHashMap<>();

    private BenchOwner() {}

    /** The key id of the controller at {@code url}, from its checkpoint's origin line, as the CLI learns it: once per URL. */
    static String controllerKeyId(String url) throws Exception {
        String known = KEY_IDS.get(url);
        if (known == null) {
            String note = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/log/checkpoint")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            known = note.lines().findFirst().orElseThrow().substring(ControllerLog.ORIGIN_PREFIX.length());
            KEY_IDS.put(url, known);
        }
        return known;
    }

    static JsonNode send(String url, Ed25519KeyPair owner, String method, String path, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(url + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        OwnerRequestSignature.sign(owner, controllerKeyId(url), method, uri.getRawPath(), uri.getRawQuery(), bytes, Instant.now().getEpochSecond())
                .forEach(request::header);
        if (bytes.length > 0) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }
}
