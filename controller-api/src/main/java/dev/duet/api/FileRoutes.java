package dev.duet.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerException;
import dev.duet.controller.FileContent;
import dev.duet.controller.FileWritten;
import dev.duet.controller.OwnerRequest;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.util.Base64;
import java.util.Set;

/** An owner's files on a CVM (docs/api.md, "Files"): written and read over SFTP by the controller, as the CVM's policy decides. */
final class FileRoutes {
    private static final String FILES = "/v1/cvms/{id}/files";

    private FileRoutes() {}

    static void register(JavalinDefaultRoutingApi routes, Controller controller) {
        routes.post(FILES, ctx -> {
            FileWritten written = ControllerServer.owner(controller, ctx, OwnerRequest.Body.JSON, (owner, body) ->
                    controller.shield().writeFile(owner, ControllerServer.line(ctx), ctx.pathParam("id"), Bodies.file(body)));
            Json.send(ctx, 200, Json.MAPPER.createObjectNode().put("transfer_id", written.transferId()).put("path", written.path())
                    .put("mode", written.mode()).put("bytes", written.bytes()).put("sha256", written.sha256())
                    .put("started_index", written.startedIndex()).put("completed_index", written.completedIndex()));
        });
        routes.get(FILES, ctx -> {
            FileContent file = ControllerServer.owner(controller, ctx, OwnerRequest.Body.NONE, Set.of("path"), (owner, body, query) ->
                    controller.shield().readFile(owner, ControllerServer.line(ctx), ctx.pathParam("id"), query.string("path").orElseThrow(() ->
                            new ControllerException(ControllerException.Kind.INVALID_REQUEST, "name the file to read: ?path=/absolute/path"))));
            ObjectNode out = Json.MAPPER.createObjectNode().put("transfer_id", file.transferId()).put("path", file.path())
                    .put("bytes", file.bytes()).put("sha256", file.sha256()).put("content", Base64.getEncoder().encodeToString(file.content()))
                    .put("log_index", file.logIndex());
            Json.send(ctx, 200, out);
        });
    }
}
