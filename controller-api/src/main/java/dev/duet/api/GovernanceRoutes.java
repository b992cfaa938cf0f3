package dev.duet.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.Approval;
import dev.duet.controller.ApprovalResult;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerException;
import dev.duet.controller.ModeChange;
import dev.duet.controller.OwnerRequest;
import dev.duet.controller.OwnersChange;
import dev.duet.controller.PolicyInForce;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The routes of owner governance (issue 12, docs/api.md "Approvals"): the public list of requests
 * waiting for owners, one request, an owner's approval, which at the k-th carries the request out
 * and answers with its outcome, and the owner key change. A governed route whose request must wait
 * answers 202 with the request ({@link #pending}).
 */
final class GovernanceRoutes {
    private static final String APPROVALS = "/v1/approvals";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private GovernanceRoutes() {}

    static void register(JavalinDefaultRoutingApi routes, Controller controller) {
        ControllerServer.read(routes, APPROVALS, Set.of(), (ctx, q) -> {
            ObjectNode out = Json.MAPPER.createObjectNode();
            ArrayNode list = out.putArray("approvals");
            controller.approvals().pending().forEach(a -> list.add(json(a)));
            Json.send(ctx, 200, out);
        });
        ControllerServer.read(routes, APPROVALS + "/{id}", Set.of(), (ctx, q) ->
                Json.send(ctx, 200, json(controller.approvals().get(ctx.pathParam("id")))));
        routes.post("/v1/owners", ctx -> {
            OwnersChange change = owner(controller, ctx, (owner, body) ->
                    controller.approvals().changeOwners(owner, ControllerServer.line(ctx), body, Bodies.owners(body)));
            Json.send(ctx, 200, ownersJson(change));
        });
        routes.post(APPROVALS + "/{id}", ctx -> {
            ApprovalResult result = owner(controller, ctx, (owner, body) -> {
                Optional<String> saw = body.length > 0 ? BodyObject.of(body, "body_sha256").optionalString("body_sha256") : Optional.empty();
                if (saw.isPresent() && !SHA256_HEX.matcher(saw.get()).matches()) {
                    throw Json.invalid("body_sha256 must be 64 lowercase hex digits (the SHA-256 of the request's body)");
                }
                return controller.approvals().approve(owner, ctx.pathParam("id"), saw);
            });
            Json.send(ctx, 200, outcome(result));
        });
    }

    /**
     * An owner route of these, with a JSON body; its path names no CVM (the id of an approval is a
     * request's), so a refusal goes on a CVM's chain only when the request it concerns is about one.
     */
    private static <T> T owner(Controller controller, Context ctx, Controller.OwnerAction<T> action) throws ControllerException {
        return ControllerServer.owner(controller, ctx, OwnerRequest.Body.JSON, Set.of(), Optional.empty(), (owner, body, query) -> action.run(owner, body));
    }

    private static ObjectNode ownersJson(OwnersChange change) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        change.keyIds().forEach(out.putArray("owners")::add);
        return out.put("threshold", change.threshold()).put("log_index", change.logIndex());
    }

    /** The answer to a governed request that now waits for approvals: 202, where to follow it, and the request. */
    static void pending(Context ctx, Approval approval) {
        ctx.header("Location", APPROVALS + "/" + approval.id());
        Json.send(ctx, 202, json(approval));
    }

    static ObjectNode json(Approval a) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("id", a.id());
        a.cvm().ifPresentOrElse(c -> out.put("cvm", c), () -> out.putNull("cvm"));
        out.put("method", a.method()).put("path", a.path()).put("body_sha256", a.bodySha256());
        // The signed bytes as a string, not parsed JSON: re-serialised JSON would not hash to body_sha256.
        a.body().ifPresent(b -> out.put("body", b));
        out.put("requested_by", a.requestedBy());
        a.approvedBy().forEach(out.putArray("approved_by")::add);
        out.put("threshold", a.threshold()).put("expires", a.expires().toString()).put("state", a.state().wire())
                .put("requested_index", a.requestedSeq());
        a.outcome().ifPresent(o -> out.put("outcome", o));
        return out;
    }

    /**
     * An approval's answer: the request as it stands and, when this approval carried it out, what
     * its own route would have answered (status and body), or the problem it met.
     */
    private static ObjectNode outcome(ApprovalResult result) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("approval", json(result.approval()));
        result.result().ifPresent(r -> {
            ObjectNode done = out.putObject("outcome").put("status", 200);
            if (r instanceof ModeChange change) {
                done.set("result", ControllerServer.modeJson(change));
            } else if (r instanceof OwnersChange change) {
                done.set("result", ownersJson(change));
            } else if (r instanceof PolicyInForce policy) {
                done.set("result", PolicyRoutes.json(policy));
            }
        });
        result.refusal().ifPresent(e -> {
            Problems.Problem problem = Problems.of(e.kind());
            out.putObject("outcome").put("status", problem.status()).set("problem", Problems.body(problem, e.getMessage(), null));
        });
        return out;
    }
}
