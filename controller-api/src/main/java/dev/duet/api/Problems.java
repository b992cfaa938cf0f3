package dev.duet.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.ControllerException;
import io.javalin.http.Context;

/**
 * RFC 9457 problem details. Each problem has a stable {@code type} URN that clients may switch on;
 * {@code detail} is for people and never holds key material or a stack trace.
 */
final class Problems {
    static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {}

    record Problem(int status, String type, String title) {}

    static Problem of(ControllerException.Kind kind) {
        return switch (kind) {
            case INVALID_REQUEST -> new Problem(400, "invalid-request", "The request is not valid");
            case UNSUPPORTED_MEDIA_TYPE -> new Problem(415, "unsupported-media-type", "The body must be application/json");
            case UNAUTHENTICATED -> new Problem(401, "unauthenticated", "The owner signature is missing or invalid");
            case REPLAYED -> new Problem(401, "replayed", "The request was already seen");
            case FORBIDDEN -> new Problem(403, "forbidden", "The key is not allowed to do this");
            case UNKNOWN_CVM -> new Problem(404, "unknown-cvm", "No such CVM");
            case MODE_FORBIDS -> new Problem(409, "mode-forbids", "The CVM's mode does not allow this");
            case CONFLICT -> new Problem(409, "conflict", "The CVM's state does not allow this");
            case TARGET_FAILED -> new Problem(502, "target-failed", "The CVM could not be reached");
        };
    }

    /** Problems that arise in HTTP handling itself, before the controller sees the request. */
    static Problem forStatus(int status) {
        return switch (status) {
            case 404 -> new Problem(404, "not-found", "No such resource");
            case 405 -> new Problem(405, "method-not-allowed", "Method not allowed on this resource");
            case 413 -> new Problem(413, "body-too-large", "The request body is too large");
            case 400 -> new Problem(400, "invalid-request", "The request is not valid");
            default -> status >= 500 ? new Problem(500, "internal", "Internal error") : new Problem(status, "http-" + status, "The request cannot be served");
        };
    }

    static void send(Context ctx, Problem problem, String detail) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("type", "urn:duet:problem:" + problem.type())
                .put("title", problem.title())
                .put("status", problem.status())
                .put("detail", detail)
                .put("instance", ctx.req().getRequestURI());
        ctx.status(problem.status());
        ctx.contentType(CONTENT_TYPE);
        ctx.result(Json.bytes(body));
    }

    static boolean alreadySent(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && type.startsWith(CONTENT_TYPE);
    }
}
