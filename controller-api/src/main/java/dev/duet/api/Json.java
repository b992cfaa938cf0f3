package dev.duet.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.duet.controller.ControllerException;
import dev.duet.controller.CvmView;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out of the API. Request bodies are read strictly, so what reaches the controller (and
 * its log) is exactly what the owner signed: well-formed UTF-8 (RFC 3629: no overlong forms, no
 * encoded surrogates), no duplicate member names, strings free of unpaired surrogates (I-JSON, RFC
 * 7493 §2.1), no unknown members, and no scalar coerced into another type (a number is not a
 * string). Explicit field names when writing.
 */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert))
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.TryConvert)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.TryConvert))
            .build();

    private Json() {}

    /** Reads a request body as {@code type}; anything not exactly that is the client's mistake, reported as such. */
    static <T> T read(byte[] body, Class<T> type) throws ControllerException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw invalid("the body is not well-formed UTF-8");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid("malformed JSON body: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw invalid("body must be a JSON object");
        }
        requireUnicodeText(tree, "");
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw invalid("unknown field " + path(e));
        } catch (MismatchedInputException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.startsWith("Missing required creator property")) {
                String field = message.replaceAll("^[^']*'([^']*)'.*$", "$1");
                throw invalid("missing field " + (path(e).isEmpty() ? field : path(e) + "." + field));
            }
            throw invalid("field " + path(e) + " has the wrong type");
        } catch (JsonProcessingException e) {
            throw invalid("malformed JSON body: " + e.getOriginalMessage());
        }
    }

    /** Every member name and string is Unicode text: a lone surrogate cannot be logged as it was sent. */
    private static void requireUnicodeText(JsonNode node, String path) throws ControllerException {
        if (node.isTextual() && !wellFormed(node.textValue())) {
            throw invalid("field " + path + " holds an unpaired UTF-16 surrogate, which is not Unicode text");
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                if (!wellFormed(member.getKey())) {
                    throw invalid("a member name holds an unpaired UTF-16 surrogate, which is not Unicode text");
                }
                requireUnicodeText(member.getValue(), path.isEmpty() ? member.getKey() : path + "." + member.getKey());
            }
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireUnicodeText(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The path to the failing field, e.g. {@code argv[1]} or {@code ssh.port}. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        List<JsonMappingException.Reference> refs = e.getPath();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static ControllerException invalid(String message) {
        return new ControllerException(ControllerException.Kind.INVALID_REQUEST, message);
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
