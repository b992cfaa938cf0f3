package dev.duet.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.ApprovalPending;
import dev.duet.controller.CommandResult;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerException;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.CvmView;
import dev.duet.controller.ModeChange;
import dev.duet.controller.OwnerId;
import dev.duet.controller.OwnerRequest;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.ProofJson;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.JavalinDefaultRoutingApi;
import dev.duet.controller.TlsIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's HTTP API (docs/api.md), declared in one place. It translates HTTP to the
 * controller and back and holds no rule of its own: owner routes hand the request's headers, and a
 * way to read its body, to {@link Controller#asOwner}, which decides what to read, authenticates and
 * accounts for refusals. The server applies the controller's connection limits
 * ({@link RequestLimits}) and answers every error, Jetty's own included, as problem details.
 */
public final class ControllerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerServer.class);
    private static final String CVMS = "/v1/cvms/";

    /** The API's description (docs/api.md), read once: a light read served from memory. */
    private static final byte[] OPENAPI = openApi();

    private final Javalin app;
    private final Transport transport;

    private ControllerServer(Javalin app, Transport transport) {
        this.app = app;
        this.transport = transport;
    }

    /** A route the server serves: its method and path template, as Javalin holds them. */
    record Route(String method, String path) {}

    private static byte[] openApi() {
        try (java.io.InputStream in = ControllerServer.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the controller's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * How the API is served: HTTPS with the controller's TLS key, which its evidence binds
     * (attested transport), or plain HTTP, which authenticates nothing and is therefore served on a
     * loopback address only (development).
     */
    public enum Transport {
        HTTPS("https"),
        PLAIN_HTTP("http");

        private final String scheme;

        Transport(String scheme) {
            this.scheme = scheme;
        }

        public String scheme() {
            return scheme;
        }
    }

    /** Plain HTTP on a loopback address (development and tests). */
    public static ControllerServer start(Controller controller, String host, int port) {
        return start(controller, host, port, Transport.PLAIN_HTTP);
    }

    /**
     * Whether every address {@code host} names is a loopback address: only then may plain HTTP be
     * served, since nothing but this machine can reach it. A name that does not resolve is not.
     */
    public static boolean loopback(String host) {
        try {
            return Arrays.stream(InetAddress.getAllByName(host)).allMatch(InetAddress::isLoopbackAddress);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether the path is a CVM's state ({@code /v1/cvms/{id}}) that the controller would answer from memory. */
    private static boolean stateInMemory(Controller controller, String path) {
        if (!path.startsWith(CVMS)) {
            return false;
        }
        String id = path.substring(CVMS.length());
        return !id.isEmpty() && id.indexOf('/') < 0 && controller.stateInMemory(id);
    }

    /** @throws IllegalArgumentException for plain HTTP on an address that is not loopback, which would expose every request */
    public static ControllerServer start(Controller controller, String host, int port, Transport transport) {
        if (transport == Transport.PLAIN_HTTP && !loopback(host)) {
            throw new IllegalArgumentException("refusing plain HTTP on " + host + ", which is not a loopback address: anyone on the "
                    + "path could read and relay every request; serve with --tls (the default off loopback)");
        }
        RequestLimits limits = controller.limits();
        ProblemErrorHandler errors = new ProblemErrorHandler();
        PrometheusMetrics metrics = new PrometheusMetrics(controller);
        controller.reportTo(metrics);
        AccessLog access = new AccessLog(metrics);
        Javalin app = Javalin.create(cfg -> {
            cfg.http.maxRequestSize = limits.maxBodyBytes();
            cfg.http.prefer405over404 = true;
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(errors);
                server.addBean(new NetworkConnectionLimit(limits.maxConnections(), server));
                server.insertHandler(new HeavyReads(limits, server.getScheduler(), path -> stateInMemory(controller, path)));
                server.insertHandler(new RequestsPerConnection());
                server.insertHandler(access);
                server.setRequestLog(access);
            });
            cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(errors));
            cfg.jetty.addConnector((server, http) -> {
                if (transport == Transport.HTTPS) {
                    secure(http);
                }
                ServerConnector connector = transport == Transport.HTTPS
                        ? new ServerConnector(server, new SslConnectionFactory(tls(controller.tls()), "http/1.1"), new HttpConnectionFactory(http))
                        : new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(host);
                connector.setPort(port);
                connector.setIdleTimeout(limits.idleTimeout().toMillis());
                connector.addBean(new SourceConnectionLimit(limits.maxConnectionsPerSource(), limits.maxConnections()));
                HeaderDeadline headers = new HeaderDeadline(limits.headerTimeout(), server.getScheduler());
                connector.addEventListener(headers);
                server.insertHandler(headers);
                return connector;
            });
            // No route serves CONNECT; Jetty would keep its connection open for a tunnel even after refusing it.
            cfg.routes.before(ctx -> {
                if (ctx.method() == HandlerType.CONNECT) {
                    ctx.header("Connection", "close");
                }
            });
            // Javalin would decode a malformed path parameter with URLDecoder, which throws: refuse such a path first, in our words.
            cfg.routes.before(ctx -> {
                try {
                    PercentEncoding.decode(ctx.req().getRequestURI(), false, "the path");
                } catch (ControllerException e) {
                    throw controller.refusedUnauthenticated(new OwnerRequest(line(ctx).method(), line(ctx).path(), ctx.queryString(),
                            ctx.req().getRemoteAddr(), headers(ctx), OwnerRequest.Body.NONE, Optional.empty()), e);
                }
            });
            WebPage.ASSETS.forEach((path, asset) -> read(cfg.routes, path, Set.of(), (ctx, q) -> WebPage.send(ctx, asset)));
            read(cfg.routes, "/healthz", Set.of(), (ctx, q) -> Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok")));
            read(cfg.routes, "/openapi.json", Set.of(), (ctx, q) -> {
                ctx.contentType("application/json");
                ctx.result(OPENAPI);
            });
            read(cfg.routes, "/metrics", Set.of(), (ctx, q) -> {
                ctx.contentType(PrometheusMetrics.CONTENT_TYPE);
                ctx.result(metrics.scrape());
            });
            read(cfg.routes, "/v1/controller/evidence", Set.of("nonce"), (ctx, q) -> Json.send(ctx, 200, controller.evidence(q.string("nonce"))));
            read(cfg.routes, "/v1/cvms", Set.of(), (ctx, q) -> {
                ObjectNode body = Json.MAPPER.createObjectNode();
                ArrayNode list = body.putArray("cvms");
                controller.list().forEach(v -> list.add(Json.view(v)));
                Json.send(ctx, 200, body);
            });
            read(cfg.routes, "/v1/cvms/{id}", Set.of("nonce"), (ctx, q) -> {
                // The state first: a content type set before a refusal would leave its charset on the problem document.
                byte[] state = controller.signedState(ctx.pathParam("id"), q.string("nonce"));
                ctx.contentType("application/json");
                ctx.result(state);
            });
            read(cfg.routes, "/v1/cvms/{id}/entries", Set.of("start", "limit"), (ctx, q) -> Json.send(ctx, 200,
                    controller.cvmEntries(ctx.pathParam("id"), q.count("start").orElse(0L),
                            (int) Math.min(q.count("limit").orElse(1000L), Integer.MAX_VALUE))));
            read(cfg.routes, "/v1/cvms/{id}/bundle", Set.of("nonce", "since"), (ctx, q) -> Json.send(ctx, 200,
                    controller.bundle(ctx.pathParam("id"), q.string("nonce"),
                            q.count("since").map(OptionalLong::of).orElse(OptionalLong.empty()))));
            read(cfg.routes, "/v1/log/entries", Set.of("start", "end"), (ctx, q) ->
                    Json.send(ctx, 200, controller.logEntries(q.count("start").orElse(0L), q.count("end"))));
            read(cfg.routes, "/v1/log/checkpoint", Set.of(), (ctx, q) -> {
                String checkpoint = controller.checkpoint();
                ctx.contentType("text/plain; charset=utf-8");
                ctx.result(checkpoint);
            });
            read(cfg.routes, "/v1/log/proof/inclusion", Set.of("index", "size"), (ctx, q) -> {
                long index = q.requiredCount("index");
                long size = q.requiredCount("size");
                ObjectNode out = Json.MAPPER.createObjectNode().put("index", index).put("size", size);
                ProofJson.write(out.putArray("path"), controller.inclusionProof(index, size));
                Json.send(ctx, 200, out);
            });
            read(cfg.routes, "/v1/log/proof/consistency", Set.of("from", "to"), (ctx, q) -> {
                long from = q.requiredCount("from");
                long to = q.requiredCount("to");
                ObjectNode out = Json.MAPPER.createObjectNode().put("from", from).put("to", to);
                ProofJson.write(out.putArray("proof"), controller.consistencyProof(from, to));
                Json.send(ctx, 200, out);
            });

            cfg.routes.post("/v1/cvms", ctx -> {
                CvmView view = owner(controller, ctx, OwnerRequest.Body.JSON, (owner, body) -> controller.create(owner, Bodies.create(body)));
                ctx.header("Location", "/v1/cvms/" + view.id());
                Json.send(ctx, 202, Json.view(view));
            });
            cfg.routes.put("/v1/cvms/{id}/mode", ctx -> {
                ModeChange change = owner(controller, ctx, OwnerRequest.Body.JSON, (owner, body) ->
                        controller.setMode(owner, line(ctx), body, ctx.pathParam("id"), Bodies.mode(body)));
                Json.send(ctx, 200, modeJson(change));
            });
            cfg.routes.post("/v1/cvms/{id}/commands", ctx -> {
                CommandResult result = owner(controller, ctx, OwnerRequest.Body.JSON, (owner, body) ->
                        controller.runCommand(owner, line(ctx), ctx.pathParam("id"), Bodies.command(body)));
                Json.send(ctx, 200, commandJson(result));
            });
            PolicyRoutes.register(cfg.routes, controller);
            FileRoutes.register(cfg.routes, controller);
            cfg.routes.delete("/v1/cvms/{id}", ctx -> {
                CvmView view = owner(controller, ctx, OwnerRequest.Body.NONE, (owner, body) -> controller.stop(owner, ctx.pathParam("id")));
                Json.send(ctx, 200, Json.view(view));
            });
            cfg.routes.delete("/v1/cvms/{id}/listing", ctx -> {
                CvmView view = owner(controller, ctx, OwnerRequest.Body.NONE, (owner, body) -> controller.remove(owner, ctx.pathParam("id")));
                Json.send(ctx, 200, Json.view(view));
            });

            GovernanceRoutes.register(cfg.routes, controller);

            cfg.routes.exception(ApprovalPending.class, (e, ctx) -> GovernanceRoutes.pending(ctx, e.approval()));
            cfg.routes.exception(ControllerException.class, (e, ctx) -> {
                if (e.kind() == Kind.CLIENT_ABORTED) {
                    LOG.warn("{} {} from {}: {}", ctx.method(), ctx.path(), ctx.req().getRemoteAddr(), e.getMessage());
                }
                e.retryAfter().ifPresent(wait -> ctx.header("Retry-After", String.valueOf(wait.toSeconds())));
                Problems.send(ctx, Problems.of(e.kind()), e.getMessage());
            });
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> Problems.send(ctx, Problems.forStatus(e.getStatus()),
                    ctx.method() + " " + ctx.path()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                if (clientGone(e)) {
                    LOG.warn("{} {} from {}: the client went away ({})", ctx.method(), ctx.path(), ctx.req().getRemoteAddr(), e);
                } else {
                    LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                }
                Problems.send(ctx, Problems.forStatus(500), "the controller failed; see its log");
            });
            for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
                cfg.routes.error(status, ctx -> {
                    if (!Problems.alreadySent(ctx)) {
                        Problems.send(ctx, Problems.forStatus(status), ctx.method() + " " + ctx.path());
                    }
                });
            }
        });
        refuseHeadWithoutRoute(app.unsafe.internalRouter);
        access.routes(app.unsafe.internalRouter.allHttpHandlers());
        app.start();
        return new ControllerServer(app, transport);
    }

    /**
     * Requests over TLS are marked secure; the certificate names no host (clients trust the key
     * their evidence binds, whatever name they used), so the Host header is not checked against it.
     */
    private static void secure(HttpConfiguration http) {
        SecureRequestCustomizer secure = http.getCustomizer(SecureRequestCustomizer.class);
        if (secure == null) {
            secure = new SecureRequestCustomizer();
            http.addCustomizer(secure);
        }
        secure.setSniHostCheck(false);
    }

    /**
     * TLS with the controller's key and its self-signed certificate, from an in-memory key store
     * (no file, nothing to leak at rest beyond the sealed key). TLS 1.2 and 1.3 with Jetty's
     * default strong suites. No client certificate: owners authenticate by signing each request.
     */
    private static SslContextFactory.Server tls(TlsIdentity identity) {
        char[] password = new char[0];
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(null, password);
            store.setKeyEntry("duet", identity.keys().getPrivate(), password, new Certificate[] {identity.certificate()});
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot hold the controller's TLS key in a key store", e);
        }
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(store);
        ssl.setKeyStorePassword("");
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        ssl.setSniRequired(false);
        return ssl;
    }

    /** A read route's handler, given the route's query already read ({@link Query}). */
    interface ReadHandler {
        void handle(Context ctx, Query query) throws Exception;
    }

    /**
     * A read route, answered alike for GET and HEAD (RFC 9110 §9.3.2: same status and headers, no
     * body; Jetty sends none for HEAD). Its query may name only {@code parameters}.
     */
    static void read(JavalinDefaultRoutingApi routes, String path, Set<String> parameters, ReadHandler handler) {
        Handler both = ctx -> handler.handle(ctx, Query.parse(ctx.queryString(), parameters));
        routes.get(path, both);
        routes.head(path, both);
    }

    /**
     * An owner route: the request as the controller needs to judge it (method, raw path and query,
     * every header line, the peer's address; never a forwarded-for header), and its body on demand.
     * It takes no query: one that is signed is refused, not ignored.
     */
    static <T> T owner(Controller controller, Context ctx, OwnerRequest.Body body, Controller.OwnerAction<T> action)
            throws ControllerException {
        return owner(controller, ctx, body, Set.of(), (owner, bytes, query) -> action.run(owner, bytes));
    }

    /** An owner route whose query, signed with the rest, may name {@code parameters}. */
    static <T> T owner(Controller controller, Context ctx, OwnerRequest.Body body, Set<String> parameters, QueryAction<T> action)
            throws ControllerException {
        return owner(controller, ctx, body, parameters, Optional.ofNullable(ctx.pathParamMap().get("id")), action);
    }

    /** An owner route about the CVM {@code cvm}, if any (a route whose {@code {id}} names something else says none). */
    static <T> T owner(Controller controller, Context ctx, OwnerRequest.Body body, Set<String> parameters, Optional<String> cvm,
            QueryAction<T> action) throws ControllerException {
        OwnerRequest request = new OwnerRequest(line(ctx).method(), line(ctx).path(), ctx.queryString(), ctx.req().getRemoteAddr(), headers(ctx),
                body, cvm);
        return controller.asOwner(request, (length, within) -> BodyReader.read(ctx, length, within),
                (owner, bytes) -> action.run(owner, bytes, Query.parse(ctx.queryString(), parameters)));
    }

    /** What an owner route with a query does once its caller is authenticated. */
    interface QueryAction<T> {
        T run(OwnerId owner, byte[] body, Query query) throws ControllerException;
    }

    /** The request line as received: the raw path, as the owner signed it. */
    static OwnerRequest.Line line(Context ctx) {
        return new OwnerRequest.Line(ctx.method().name(), ctx.req().getRequestURI());
    }

    /** Every header line, by name as received. */
    static Map<String, List<String>> headers(Context ctx) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            headers.put(name, Collections.list(ctx.req().getHeaders(name)));
        }
        return headers;
    }

    /** A failure that only means the client closed its connection: nothing to fix on this side. */
    private static boolean clientGone(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof EofException) {
                return true;
            }
        }
        return false;
    }

    /** A mode request's answer: the CVM, whether it changed, and the log index of the change. */
    static ObjectNode modeJson(ModeChange change) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("cvm", Json.view(change.cvm()));
        out.put("changed", change.changed());
        change.logIndex().ifPresentOrElse(i -> out.put("log_index", i), () -> out.putNull("log_index"));
        out.set("leaving_service", PolicyRoutes.leaving(change.leaving()));
        return out;
    }

    private static ObjectNode commandJson(CommandResult r) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("command_id", r.commandId());
        r.exitStatus().ifPresentOrElse(s -> out.put("exit_status", s), () -> out.putNull("exit_status"));
        out.put("exit_signal", r.exitSignal()).put("timed_out", r.timedOut())
                .put("stdout", r.stdoutBase64()).put("stdout_sha256", r.stdoutSha256()).put("stdout_bytes", r.stdoutBytes())
                .put("stdout_truncated", r.stdoutTruncated())
                .put("stderr", r.stderrBase64()).put("stderr_sha256", r.stderrSha256()).put("stderr_bytes", r.stderrBytes())
                .put("stderr_truncated", r.stderrTruncated())
                .put("started_index", r.startedIndex()).put("completed_index", r.completedIndex());
        return out;
    }

    /**
     * Javalin answers HEAD by itself for a GET route that has no HEAD route, 200 without running the
     * GET handler: no owner check, no lookup. So a GET route is answered for HEAD only as {@link #read}
     * declares it, and any other (the owner's file read, a signed and logged read) refuses it with 405.
     */
    private static void refuseHeadWithoutRoute(io.javalin.router.InternalRouter router) {
        Set<String> head = router.allHttpHandlers().stream().filter(e -> e.endpoint.method == HandlerType.HEAD).map(e -> e.endpoint.path)
                .collect(java.util.stream.Collectors.toSet());
        router.allHttpHandlers().stream().filter(e -> e.endpoint.method == HandlerType.GET && !head.contains(e.endpoint.path))
                .map(e -> e.endpoint.path).toList()
                .forEach(path -> router.addHttpEndpoint(new io.javalin.router.Endpoint(HandlerType.HEAD, path, ctx -> {
                    throw new io.javalin.http.MethodNotAllowedResponse();
                })));
    }

    /** Every route the running server serves (method and path template), from Javalin's router itself. */
    List<Route> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream().filter(e -> e.endpoint.method.isHttpMethod())
                .map(e -> new Route(e.endpoint.method.name(), e.endpoint.path)).toList();
    }

    public int port() {
        return app.port();
    }

    public Transport transport() {
        return transport;
    }

    @Override
    public void close() {
        app.stop();
    }
}
