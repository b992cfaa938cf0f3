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
            case LENGTH_REQUIRED -> new Problem(411, "length-required", "The body needs a Content-Length");
            case BODY_TOO_LARGE -> new Problem(413, "body-too-large", "The request body is too large");
            case BODY_TIMEOUT -> new Problem(408, "body-timeout", "The request body arrived too slowly");
            case CLIENT_ABORTED -> new Problem(400, "client-aborted", "The client stopped sending the request");
            case UNAUTHENTICATED -> new Problem(401, "unauthenticated", "The owner signature is missing or invalid");
            case REPLAYED -> new Problem(401, "replayed", "The request was already seen");
            case FORBIDDEN -> new Problem(403, "forbidden", "The key is not allowed to do this");
            case RATE_LIMITED -> new Problem(429, "rate-limited", "Too many refused requests");
            case UNKNOWN_CVM -> new Problem(404, "unknown-cvm", "No such CVM");
            case MODE_FORBIDS -> new Problem(409, "mode-forbids", "The CVM's mode does not allow this");
            case POLICY_DENIES -> new Problem(403, "policy-denies", "A rule of the CVM's command policy denies this");
            case CONFLICT -> new Problem(409, "conflict", "The CVM's state does not allow this");
            case UNKNOWN_APPROVAL -> new Problem(404, "unknown-approval", "No such governed request");
            case APPROVAL_EXPIRED -> new Problem(410, "approval-expired", "The governed request expired and was not carried out");
            case APPROVAL_CLOSED -> new Problem(409, "approval-closed", "The governed request takes no more approvals");
            case ALREADY_APPROVED -> new Problem(409, "already-approved", "This owner key already approved the request");
            case TARGET_FAILED -> new Problem(502, "target-failed", "The CVM could not be reached");
            case ATTESTATION_UNAVAILABLE -> new Problem(503, "attestation-unavailable", "The controller's attestation gave no report");
            case CVM_EVIDENCE_UNAVAILABLE -> new Problem(503, "cvm-evidence-unavailable", "The CVM gave no fresh report");
            case CVM_EVIDENCE_REJECTED -> new Problem(502, "cvm-evidence-rejected", "The CVM's fresh report did not verify");
            case BYPASS_PRESENT -> new Problem(409, "bypass-present", "The CVM has a way in that bypasses the controller");
        };
    }

    /** Problems that arise in HTTP handling itself (Jetty's parser, routing), before the controller sees the request. */
    static Problem forStatus(int status) {
        return switch (status) {
            case 400 -> new Problem(400, "invalid-request", "The request is not valid");
            case 404 -> new Problem(404, "not-found", "No such resource");
            case 405 -> new Problem(405, "method-not-allowed", "Method not allowed on this resource");
            case 408 -> new Problem(408, "request-timeout", "The request arrived too slowly");
            case 411 -> new Problem(411, "length-required", "The body needs a Content-Length");
            case 413 -> new Problem(413, "body-too-large", "The request body is too large");
            case 414 -> new Problem(414, "uri-too-long", "The request target is too long");
            case 415 -> new Problem(415, "unsupported-media-type", "The body must be application/json");
            case 431 -> new Problem(431, "headers-too-large", "The request header fields are too large");
            case 505 -> new Problem(505, "http-version-not-supported", "Only HTTP/1.0 and HTTP/1.1 are served");
            case 503 -> new Problem(503, "unavailable", "The controller cannot serve this now");
            default -> status >= 500 ? new Problem(status, "internal", "Internal error") : new Problem(status, "http-" + status, "The request cannot be served");
        };
    }

    /** The problem document; {@code instance} is left out when the request target is not known or not sensible to echo. */
    static ObjectNode body(Problem problem, String detail, String instance) {
        ObjectNode body = Json.MAPPER.createObjectNode()
                .put("type", "urn:duet:problem:" + problem.type())
                .put("title", problem.title())
                .put("status", problem.status())
                .put("detail", detail);
        if (instance != null) {
            body.put("instance", instance);
        }
        return body;
    }

    static void send(Context ctx, Problem problem, String detail) {
        ctx.req().setAttribute(AccessLog.PROBLEM, problem.type());
        ctx.status(problem.status());
        ctx.contentType(CONTENT_TYPE);
        ctx.result(Json.bytes(body(problem, detail, ctx.req().getRequestURI())));
    }

    static boolean alreadySent(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && type.startsWith(CONTENT_TYPE);
    }
}
