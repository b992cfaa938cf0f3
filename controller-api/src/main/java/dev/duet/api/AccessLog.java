package dev.duet.api;

import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.http.HandlerType;
import io.javalin.router.ParsedEndpoint;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request an operator can see: its request id, taken from {@code X-Request-Id} when that is a
 * short safe token and made otherwise, is echoed on the answer (problem documents included), and
 * once the exchange ends one JSON line goes to the access log (logger {@code dev.duet.access}) and
 * to the request metrics. The line names the route template, never the raw path or query, so it
 * holds nothing a client chose but a token of the safe form and the method.
 */
final class AccessLog extends Handler.Wrapper implements RequestLog {
    static final String HEADER = "X-Request-Id";
    static final String ATTRIBUTE = "dev.duet.request-id";
    /** Set by whatever answers with a problem document: its type, counted by the metrics. */
    static final String PROBLEM = "dev.duet.problem-type";
    static final String UNMATCHED = "unmatched";
    private static final Logger LOG = LoggerFactory.getLogger("dev.duet.access");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Set<String> METHODS = HandlerType.commonHttp().stream().map(HandlerType::name).collect(Collectors.toSet());

    private final PrometheusMetrics metrics;
    private volatile List<ParsedEndpoint> routes = List.of();

    AccessLog(PrometheusMetrics metrics) {
        this.metrics = metrics;
    }

    /** The server's routes, once they are all declared: what a request's route template is looked up in. */
    void routes(List<ParsedEndpoint> endpoints) {
        routes = endpoints.stream().filter(e -> e.endpoint.method.isHttpMethod()).toList();
    }

    /** The client's id if it is 1-64 characters of {@code A-Z a-z 0-9 . _ -}, else a new one (16 hex digits). */
    static String requestId(String offered) {
        if (offered != null && SAFE.matcher(offered).matches()) {
            return offered;
        }
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String id = requestId(request.getHeaders().get(HEADER));
        request.setAttribute(ATTRIBUTE, id);
        response.getHeaders().put(HEADER, id);
        return super.handle(request, response, callback);
    }

    /** Called by Jetty once each exchange has ended, also for what its parser refused. */
    @Override
    public void log(Request request, Response response) {
        long nanos = System.nanoTime() - request.getBeginNanoTime();
        String method = METHODS.contains(request.getMethod()) ? request.getMethod() : "OTHER";
        String route = route(method, request);
        int status = response.getStatus();
        metrics.request(method, route, status, nanos);
        if (request.getAttribute(PROBLEM) instanceof String type) {
            metrics.problem(type);
        }
        if (!LOG.isInfoEnabled()) {
            return;
        }
        Object id = request.getAttribute(ATTRIBUTE);
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(line)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(Request.getTimeStamp(request)).toString());
            json.writeStringField("request_id", id instanceof String s ? s : null);
            json.writeStringField("method", method);
            json.writeStringField("route", route);
            json.writeNumberField("status", status);
            json.writeNumberField("duration_ms", Math.round(nanos / 1e3) / 1e3);
            json.writeNumberField("bytes", Response.getContentBytesWritten(response));
            json.writeStringField("source", Request.getRemoteAddr(request));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info(line.toString());
    }

    private String route(String method, Request request) {
        String path;
        try {
            path = request.getHttpURI().getDecodedPath();
        } catch (RuntimeException e) {
            return UNMATCHED;
        }
        if (path == null) {
            return UNMATCHED;
        }
        for (ParsedEndpoint endpoint : routes) {
            if (endpoint.endpoint.method.name().equals(method) && endpoint.matches(path)) {
                return endpoint.endpoint.path;
            }
        }
        return UNMATCHED;
    }
}
