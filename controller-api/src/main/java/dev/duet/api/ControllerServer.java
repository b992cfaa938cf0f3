package dev.duet.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.AdoptRequest;
import dev.duet.controller.CommandResult;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerException;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.CvmView;
import dev.duet.controller.ModeChange;
import dev.duet.controller.OwnerRequest;
import dev.duet.protocol.ProofJson;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's HTTP API (docs/api.md), declared in one place. It translates HTTP to the
 * controller and back and holds no rule of its own: owner routes hand the raw request to
 * {@link Controller#asOwner}, which authenticates and logs refusals.
 */
public final class ControllerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerServer.class);
    static final long MAX_BODY_BYTES = 1 << 20;

    private final Javalin app;

    private ControllerServer(Javalin app) {
        this.app = app;
    }

    public static ControllerServer start(Controller controller, String host, int port) {
        Javalin app = Javalin.create(cfg -> {
            cfg.http.maxRequestSize = MAX_BODY_BYTES;
            cfg.http.prefer405over404 = true;
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/healthz", ctx -> Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("status", "ok")));
            cfg.routes.get("/v1/controller/evidence", ctx -> Json.send(ctx, 200, controller.evidence(nonce(ctx))));
            cfg.routes.get("/v1/cvms", ctx -> {
                ObjectNode body = Json.MAPPER.createObjectNode();
                ArrayNode list = body.putArray("cvms");
                controller.list().forEach(v -> list.add(Json.view(v)));
                Json.send(ctx, 200, body);
            });
            cfg.routes.get("/v1/cvms/{id}", ctx -> Json.send(ctx, 200, controller.signedState(ctx.pathParam("id"), nonce(ctx))));
            cfg.routes.get("/v1/log/entries", ctx -> Json.send(ctx, 200,
                    controller.logEntries(longParam(ctx, "start").orElse(0L), longParam(ctx, "end"))));

            cfg.routes.get("/v1/log/checkpoint", ctx -> {
                ctx.contentType("text/plain; charset=utf-8");
                ctx.result(controller.checkpoint());
            });
            cfg.routes.get("/v1/log/proof/inclusion", ctx -> {
                long index = requiredLong(ctx, "index");
                long size = requiredLong(ctx, "size");
                ObjectNode out = Json.MAPPER.createObjectNode().put("index", index).put("size", size);
                ProofJson.write(out.putArray("path"), controller.inclusionProof(index, size));
                Json.send(ctx, 200, out);
            });
            cfg.routes.get("/v1/log/proof/consistency", ctx -> {
                long from = requiredLong(ctx, "from");
                long to = requiredLong(ctx, "to");
                ObjectNode out = Json.MAPPER.createObjectNode().put("from", from).put("to", to);
                ProofJson.write(out.putArray("proof"), controller.consistencyProof(from, to));
                Json.send(ctx, 200, out);
            });

            cfg.routes.post("/v1/cvms", ctx -> {
                CvmView view = owner(controller, ctx, (owner, body) -> {
                    Bodies.Adopt adopt = Json.read(ctx, body, Bodies.Adopt.class);
                    if ("qemu".equals(adopt.provider())) {
                        if (adopt.ssh() != null) {
                            throw new ControllerException(Kind.INVALID_REQUEST, "provider \"qemu\" takes no \"ssh\" object: the controller creates the VM");
                        }
                        return controller.launch(owner, adopt.name());
                    }
                    if (!"ssh".equals(adopt.provider())) {
                        throw new ControllerException(Kind.INVALID_REQUEST, "provider must be \"qemu\" (a VM the controller starts) or \"ssh\" (adopt a machine)");
                    }
                    if (adopt.ssh() == null) {
                        throw new ControllerException(Kind.INVALID_REQUEST, "provider \"ssh\" needs an \"ssh\" object (host, user, host_key, bootstrap_private_key)");
                    }
                    Bodies.Ssh ssh = adopt.ssh();
                    return controller.adopt(owner, new AdoptRequest(adopt.name(), ssh.host(), ssh.port() == null ? 22 : ssh.port(),
                            ssh.user(), ssh.hostKey(), ssh.bootstrapPrivateKey(), Optional.ofNullable(ssh.authorizedKeysPath())));
                });
                ctx.header("Location", "/v1/cvms/" + view.id());
                Json.send(ctx, 202, Json.view(view));
            });
            cfg.routes.put("/v1/cvms/{id}/mode", ctx -> {
                ModeChange change = owner(controller, ctx, (owner, body) ->
                        controller.setMode(owner, ctx.pathParam("id"), Json.read(ctx, body, Bodies.Mode.class).mode()));
                ObjectNode out = Json.MAPPER.createObjectNode();
                out.set("cvm", Json.view(change.cvm()));
                out.put("changed", change.changed());
                change.logIndex().ifPresentOrElse(i -> out.put("log_index", i), () -> out.putNull("log_index"));
                Json.send(ctx, 200, out);
            });
            cfg.routes.post("/v1/cvms/{id}/commands", ctx -> {
                CommandResult result = owner(controller, ctx, (owner, body) -> {
                    Bodies.Command command = Json.read(ctx, body, Bodies.Command.class);
                    double seconds = command.timeoutSeconds() == null ? 60 : command.timeoutSeconds();
                    if (!(seconds > 0) || seconds > 86_400) {
                        throw new ControllerException(Kind.INVALID_REQUEST, "timeout_seconds must be a positive number of seconds");
                    }
                    return controller.runCommand(owner, ctx.pathParam("id"), command.argv(), Duration.ofMillis(Math.max(1, (long) (seconds * 1000))));
                });
                Json.send(ctx, 200, commandJson(result));
            });
            cfg.routes.delete("/v1/cvms/{id}", ctx -> {
                CvmView view = owner(controller, ctx, (owner, body) -> {
                    if (body.length != 0) {
                        throw new ControllerException(Kind.INVALID_REQUEST, "DELETE takes no body");
                    }
                    return controller.stop(owner, ctx.pathParam("id"));
                });
                Json.send(ctx, 200, Json.view(view));
            });

            cfg.routes.exception(ControllerException.class, (e, ctx) -> Problems.send(ctx, Problems.of(e.kind()), e.getMessage()));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> Problems.send(ctx, Problems.forStatus(e.getStatus()),
                    e.getStatus() == 413 ? "request bodies are limited to " + MAX_BODY_BYTES + " bytes" : ctx.method() + " " + ctx.path()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                Problems.send(ctx, new Problems.Problem(500, "internal", "Internal error"), "the controller failed; see its log");
            });
            for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
                cfg.routes.error(status, ctx -> {
                    if (!Problems.alreadySent(ctx)) {
                        Problems.send(ctx, Problems.forStatus(status), ctx.method() + " " + ctx.path());
                    }
                });
            }
        });
        app.start(host, port);
        return new ControllerServer(app);
    }

    @FunctionalInterface
    private interface OwnerHandler<T> {
        T handle(dev.duet.controller.OwnerId owner, byte[] body) throws ControllerException;
    }

    private static <T> T owner(Controller controller, Context ctx, OwnerHandler<T> handler) throws ControllerException {
        byte[] body = ctx.bodyAsBytes();
        OwnerRequest request = new OwnerRequest(ctx.method().name(), ctx.req().getRequestURI(), ctx.queryString(), body,
                Optional.ofNullable(ctx.header("Content-Digest")),
                Optional.ofNullable(ctx.header("Signature-Input")),
                Optional.ofNullable(ctx.header("Signature")));
        return controller.asOwner(request, owner -> handler.handle(owner, body));
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

    private static Optional<String> nonce(Context ctx) {
        return Optional.ofNullable(ctx.queryParam("nonce"));
    }

    private static Optional<Long> longParam(Context ctx, String name) throws ControllerException {
        String value = ctx.queryParam(name);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new ControllerException(Kind.INVALID_REQUEST, name + " must be an integer");
        }
    }

    private static long requiredLong(Context ctx, String name) throws ControllerException {
        return longParam(ctx, name).orElseThrow(() -> new ControllerException(Kind.INVALID_REQUEST, "query parameter " + name + " is required"));
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
