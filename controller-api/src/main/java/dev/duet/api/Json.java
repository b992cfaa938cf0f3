package dev.duet.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.ControllerException;
import dev.duet.controller.CvmView;
import io.javalin.http.Context;

/** JSON in and out of the API: strict reading into records, explicit field names when writing. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private Json() {}

    /** Reads the body as {@code type}; any mismatch is the client's mistake, reported as such. */
    static <T> T read(Context ctx, byte[] body, Class<T> type) throws ControllerException {
        String contentType = ctx.contentType();
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).matches("application/json\\s*(;\\s*charset=utf-8\\s*)?")) {
            throw new ControllerException(ControllerException.Kind.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, not " + contentType);
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new ControllerException(ControllerException.Kind.INVALID_REQUEST, "body must be a JSON object");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new ControllerException(ControllerException.Kind.INVALID_REQUEST, "malformed JSON body: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ControllerException(ControllerException.Kind.INVALID_REQUEST, "unreadable body");
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    static void send(Context ctx, int status, JsonNode node) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(bytes(node));
    }

    static ObjectNode view(CvmView view) {
        return view.toJson();
    }
}
