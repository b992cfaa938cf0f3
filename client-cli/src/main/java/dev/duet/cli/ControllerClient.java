package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.protocol.StrictJson;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The controller's HTTP API from the client side: JDK HTTP over {@link ControllerTransport} (plain
 * HTTP to loopback only; HTTPS only to the controller's pinned, attested TLS key), owner requests
 * signed per RFC 9421.
 * Failures are typed, so that a verb can tell "no usable answer" from "the controller said no".
 * Every exchange has one deadline that covers connecting, the headers and the whole body, so a
 * controller that never answers, or answers a byte at a time, cannot hold the CLI.
 */
final class ControllerClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** How long an answer may take, unless {@code --http-timeout} or {@code $DUET_HTTP_TIMEOUT} says otherwise. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

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
    private final Duration timeout;
    private final ControllerTransport transport;
    private final Optional<Ed25519KeyPair> ownerKey;

    /** Requests go through {@code transport}: over HTTPS, only to the controller's pinned TLS key ({@link ControllerTransport}). */
    ControllerClient(ControllerTransport transport, Duration timeout, Optional<Ed25519KeyPair> ownerKey) {
        this.base = transport.base();
        this.timeout = timeout;
        this.transport = transport;
        this.ownerKey = ownerKey;
    }

    /**
     * The controller's own address: {@code http(s)://host[:port]}, with at most a trailing "/".
     * A path is refused rather than prefixed, since an owner request's signature covers the path the
     * controller sees, which a proxy that strips a prefix would change; a query, a fragment or a user
     * name and password have no meaning here, and the password is never echoed.
     */
    static URI parseBase(String given, String source) throws CliFailure {
        String value = given.replaceFirst("(?<=//).*@", "…@");
        URI uri;
        try {
            uri = new URI(given);
        } catch (URISyntaxException e) {
            throw usage(source, "'" + value + "' is not an http:// or https:// URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.isOpaque()) {
            throw usage(source, "'" + value + "' is not an http:// or https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw usage(source, "'" + value + "': the URL must not carry a user name or password");
        }
        if (uri.getHost() == null) {
            throw usage(source, "'" + value + "' has no valid host name");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw usage(source, "port " + uri.getPort() + " of '" + value + "' is not a TCP port (1-65535)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw usage(source, "'" + value + "' has a query or a fragment; give the controller's address only, such as http://127.0.0.1:8080");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.isEmpty() && !path.equals("/")) {
            throw usage(source, "'" + value + "' has a path (" + path + "); give the controller's own address, such as http://127.0.0.1:8080 "
                    + "(owner requests are signed over the path the controller sees, so a path prefix cannot work)");
        }
        return URI.create(scheme + "://" + uri.getRawAuthority());
    }

    private static CliFailure usage(String source, String problem) {
        return new CliFailure(CliFailure.INPUT_ERROR, source + ": " + problem);
    }

    URI base() {
        return base;
    }

    JsonNode get(String pathAndQuery) throws CliFailure {
        return send("GET", pathAndQuery, null, timeout, Optional.empty());
    }

    /** A GET whose answer is kept as the bytes that came, for a verifier that must judge exactly what was sent (a bundle). */
    byte[] getBytes(String pathAndQuery) throws CliFailure {
        Answer response = exchange(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build(), timeout);
        if (response.status() != 200) {
            throw new Refused(response.status(), "controller answered " + response.status() + " for " + pathAndQuery);
        }
        return response.body();
    }

    /** A GET whose answer is text (the checkpoint note). */
    String getText(String pathAndQuery) throws CliFailure {
        Answer response = exchange(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).GET().build(), timeout);
        if (response.status() != 200) {
            throw new Refused(response.status(), "controller answered " + response.status() + " for " + pathAndQuery);
        }
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** An owner request for the controller {@code controllerKeyId}: signs method, path, query and the body's digest with the owner key. */
    JsonNode owner(String controllerKeyId, String method, String pathAndQuery, JsonNode body) throws CliFailure {
        return send(method, pathAndQuery, body, timeout, Optional.of(controllerKeyId));
    }

    /** An owner request whose answer takes {@code work} (a command's own timeout) on top of the usual time for an answer. */
    JsonNode owner(String controllerKeyId, String method, String pathAndQuery, JsonNode body, Duration work) throws CliFailure {
        return send(method, pathAndQuery, body, timeout.plus(work), Optional.of(controllerKeyId));
    }

    /** Signed for the controller {@code signedFor} names, when it names one. */
    private JsonNode send(String method, String pathAndQuery, JsonNode body, Duration deadline, Optional<String> signedFor) throws CliFailure {
        byte[] bytes;
        try {
            bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        URI uri = URI.create(base + pathAndQuery);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (signedFor.isPresent()) {
            Ed25519KeyPair key = ownerKey.orElseThrow(() -> new IllegalStateException("owner verbs always load a key"));
            Map<String, String> headers = OwnerRequestSignature.sign(key, signedFor.get(), method, uri.getRawPath(), uri.getRawQuery(), bytes,
                    Instant.now().getEpochSecond());
            headers.forEach(request::header);
        }
        Answer response = exchange(request.build(), deadline);
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

    /** Sends on the transport's connections (over HTTPS: pinned first) and reads the whole answer. */
    private Answer exchange(HttpRequest request, Duration deadline) throws CliFailure {
        Answer answer = exchange(transport.client(), request, deadline, base);
        transport.answered();
        return answer;
    }

    /** Sends and reads the whole answer, at most {@link #MAX_ANSWER} bytes of it, within {@code deadline}. */
    static Answer exchange(HttpClient http, HttpRequest request, Duration deadline, URI base) throws CliFailure {
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request, info -> new BoundedBody());
        try {
            HttpResponse<byte[]> response = pending.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            return new Answer(response.statusCode(), response.body());
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw noAnswer(deadline, base);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            Optional<ControllerTransport.PinMismatch> mismatch = cause(cause, ControllerTransport.PinMismatch.class);
            if (mismatch.isPresent()) {
                throw new ControllerTransport.Untrusted(mismatch.get().describe(base));
            }
            if (cause instanceof TooLarge) {
                throw new Unavailable("the controller at " + base + " answered with more than " + (MAX_ANSWER >> 20) + " MiB");
            }
            if (causedBy(cause, UnresolvedAddressException.class) || causedBy(cause, UnknownHostException.class)) {
                throw new Unavailable("cannot reach the controller at " + base + ": unknown host " + base.getHost());
            }
            if (cause instanceof HttpConnectTimeoutException) {
                throw new Unavailable("cannot reach the controller at " + base + ": connection timed out");
            }
            if (cause instanceof java.net.http.HttpTimeoutException) {
                throw noAnswer(deadline, base);
            }
            long sending = request.bodyPublisher().map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
            if (cause instanceof IOException && sending > OwnerRequestSignature.DEFAULT_MAX_BODY_BYTES) {
                // The controller answers 413 from Content-Length and closes; a client still writing the body
                // may see only the close, so say what most likely happened rather than "cannot reach".
                throw new Unavailable("the controller at " + base + " closed the connection while a " + sending
                        + "-byte request was sent: it refuses request bodies over its limit (" + OwnerRequestSignature.DEFAULT_MAX_BODY_BYTES
                        + " bytes unless its operator set another) without reading them");
            }
            if (cause instanceof IOException io) {
                throw new Unavailable("cannot reach the controller at " + base + ": " + InputFiles.describe(io));
            }
            throw new Unavailable("cannot reach the controller at " + base + ": " + (cause == null || cause.getMessage() == null
                    ? "the connection failed" : cause.getMessage()));
        }
    }

    private static Unavailable noAnswer(Duration deadline, URI base) {
        return new Unavailable("no answer within " + deadline.toSeconds() + " s from the controller at " + base
                + " (raise it with --http-timeout or $DUET_HTTP_TIMEOUT)");
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        return cause(e, type).isPresent();
    }

    private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    record Answer(int status, byte[] body) {}

    /** An answer over the limit: the read stops there. */
    private static final class TooLarge extends IOException {
        TooLarge() {
            super("answer too large");
        }
    }

    /** Collects the body, refusing it at {@link #MAX_ANSWER} bytes instead of buffering whatever a server sends. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final List<byte[]> parts = new ArrayList<>();
        private long size;
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                size += buffer.remaining();
                if (size > MAX_ANSWER) {
                    subscription.cancel();
                    parts.clear();
                    body.completeExceptionally(new TooLarge());
                    return;
                }
                byte[] part = new byte[buffer.remaining()];
                buffer.get(part);
                parts.add(part);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            byte[] all = new byte[(int) size];
            int at = 0;
            for (byte[] part : parts) {
                System.arraycopy(part, 0, all, at, part.length);
                at += part.length;
            }
            parts.clear();
            body.complete(all);
        }
    }
}
