package dev.duet.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    private BenchOwner() {}

    static JsonNode send(String url, Ed25519KeyPair owner, String method, String path, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(url + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        OwnerRequestSignature.sign(owner, method, uri.getRawPath(), uri.getRawQuery(), bytes, Instant.now().getEpochSecond())
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
