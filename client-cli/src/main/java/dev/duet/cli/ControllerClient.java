package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.protocol.StrictJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The controller's HTTP API from the client side: plain JDK HTTP, owner requests signed per RFC 9421.
 * Failures are typed, so that a verb can tell "no usable answer" from "the controller said no".
 */
final class ControllerClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** No usable answer: the controller could not be reached, did not answer in time, or answered with something that is not JSON. */
    static final class Unavailable extends CliFailure {
        Unavailable(String message) {
            super(CliFailure.INPUT_ERROR, message);
        }
    }

    /** The controller answered with an error status (its problem type and detail in the message). */
    static final class Refused extends CliFailure {
        private final int status;

        Refused(int status, String message) {
            super(CliFailure.CHECK_FAILED, message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** The most an answer may hold (a page of entries or a CVM's state is far smaller): nothing a server sends can exhaust memory. */
    static final long MAX_ANSWER = InputFiles.LARGE;

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Optional<Ed25519KeyPair> ownerKey;

    ControllerClient(String baseUrl, Optional<Ed25519KeyPair> ownerKey) throws CliFailure {
        try {
            URI uri = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            this.base = uri;
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "controller must be an http(s) URL, not '" + baseUrl + "'");
        }
        this.ownerKey = ownerKey;
    }

    JsonNode get(String pathAndQuery) throws CliFailure {
        return send("GET", pathAndQuery, null);
    }

    /** Sends and reads the answer, at most {@link #MAX_ANSWER} bytes of it. */
    private Answer exchange(HttpRequest request) throws CliFailure {
        try {
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream in = response.body()) {
                byte[] body = in.readNBytes((int) MAX_ANSWER + 1);
                if (body.length > MAX_ANSWER) {
                    throw new Unavailable("the controller at " + base + " answered with more than " + (MAX_ANSWER >> 20) + " MiB");
                }
                return new Answer(response.statusCode(), body);
            }
        } catch (IOException e) {
            throw new Unavailable("cannot reach the controller at " + base + ": " + InputFiles.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        }
    }

    private record Answer(int status, byte[] body) {}

    /** A GET whose answer is text (the checkpoint note). */
    String getText(String pathAndQuery) throws CliFailure {
        Answer response = exchange(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofMinutes(1)).GET().build());
        if (response.status() != 200) {
            throw new Refused(response.status(), "controller answered " + response.status() + " for " + pathAndQuery);
        }
        return new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** An owner request: signs method, path, query and the body's digest with the owner key. */
    JsonNode owner(String method, String pathAndQuery, JsonNode body) throws CliFailure {
        return send(method, pathAndQuery, body);
    }

    private JsonNode send(String method, String pathAndQuery, JsonNode body) throws CliFailure {
        byte[] bytes;
        try {
            bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        URI uri = URI.create(base + pathAndQuery);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(70))
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        boolean signed = !method.equals("GET");
        if (signed) {
            Ed25519KeyPair key = ownerKey.orElseThrow(() -> new IllegalStateException("owner verbs always load a key"));
            Map<String, String> headers = OwnerRequestSignature.sign(key, method, uri.getRawPath(), uri.getRawQuery(), bytes, Instant.now().getEpochSecond());
            headers.forEach(request::header);
        }
        Answer response = exchange(request.build());
        JsonNode json;
        try {
            // Strictly, as every verifier reads: what the CLI checks must be the answer's only reading.
            json = StrictJson.read(response.body());
        } catch (MalformedJsonException e) {
            throw new Unavailable("controller answered " + response.status() + " with a body that is not one JSON document ("
                    + e.getMessage() + ")");
        }
        if (response.status() >= 400) {
            throw new Refused(response.status(), (response.status() >= 500 ? "controller failed (" : "controller refused (")
                    + response.status() + " " + json.path("type").asText("?").replace("urn:duet:problem:", "") + "): "
                    + json.path("detail").asText("no detail"));
        }
        return json;
    }
}
