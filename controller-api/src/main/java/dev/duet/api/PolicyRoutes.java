package dev.duet.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.Controller;
import dev.duet.controller.LeavingCommand;
import dev.duet.controller.OwnerRequest;
import dev.duet.controller.PolicyInForce;
import dev.duet.protocol.entry.PolicyCodec;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The command policy's routes (issue 12, docs/api.md "Policies"): anyone reads a CVM's policy in
 * force and the controller-wide default, whole; an owner replaces either with a signed PUT whose body
 * is the policy's JSON (docs/policy.md). The controller decides and logs; this only maps HTTP.
 */
final class PolicyRoutes {
    private PolicyRoutes() {}

    static void register(JavalinDefaultRoutingApi routes, Controller controller) {
        ControllerServer.read(routes, "/v1/cvms/{id}/policy", Set.of(), (ctx, q) ->
                Json.send(ctx, 200, json(controller.shield().policy(Optional.of(ctx.pathParam("id"))))));
        ControllerServer.read(routes, "/v1/policy", Set.of(), (ctx, q) -> Json.send(ctx, 200, json(controller.shield().policy(Optional.empty()))));
        routes.put("/v1/cvms/{id}/policy", ctx -> Json.send(ctx, 200, json(ControllerServer.owner(controller, ctx, OwnerRequest.Body.JSON,
                (owner, body) -> controller.shield().setPolicy(owner, ControllerServer.line(ctx), Optional.of(ctx.pathParam("id")), body)))));
        routes.put("/v1/policy", ctx -> Json.send(ctx, 200, json(ControllerServer.owner(controller, ctx, OwnerRequest.Body.JSON,
                (owner, body) -> controller.shield().setPolicy(owner, ControllerServer.line(ctx), Optional.empty(), body)))));
    }

    /** A policy in force: version (0: the built-in default nobody set), hash, the entry that logged it (null for none), and itself. */
    static ObjectNode json(PolicyInForce p) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("version", p.version()).put("sha256", p.sha256());
        p.seq().ifPresentOrElse(s -> out.put("seq", s), () -> out.putNull("seq"));
        out.set("policy", PolicyCodec.encode(p.policy()));
        return out;
    }

    /** How each command run on leaving service ended, for the owner's answer to a switch to in-update. */
    static ArrayNode leaving(List<LeavingCommand> commands) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (LeavingCommand c : commands) {
            ObjectNode one = out.addObject().put("index", c.index());
            c.argv().forEach(one.putArray("argv")::add);
            c.exitStatus().ifPresentOrElse(s -> one.put("exit_status", s), () -> one.putNull("exit_status"));
            one.put("timed_out", c.timedOut());
            c.failure().ifPresentOrElse(f -> one.put("failure", f), () -> one.putNull("failure"));
            one.put("started_index", c.startedIndex()).put("ended_index", c.endedIndex());
        }
        return out;
    }
}
