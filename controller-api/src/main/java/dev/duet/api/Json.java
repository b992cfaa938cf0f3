package dev.duet.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.duet.controller.ControllerException;
import dev.duet.controller.CvmView;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.StrictUtf8;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.regex.Pattern;

/**
 * JSON in and out of the API. A request body is read token by token into a tree, strictly, so what
 * reaches the controller (and its log) is exactly what the owner signed: well-formed UTF-8 (RFC 3629:
 * no overlong forms, no encoded surrogates), one JSON object (RFC 8259) and nothing after it, no
 * repeated member name, strings free of unpaired surrogates (I-JSON, RFC 7493 §2.1), numbers kept
 * exactly as written. Each refusal is said in our words and names where it is ({@code $.argv[2]});
 * no message of the parser's reaches the owner or the log. Explicit field names when writing.
 */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();
    static final String ROOT = "$";
    /** An owner request body is at most three levels deep; anything much deeper is not one. */
    static final int MAX_DEPTH = 32;
    /** Characters of one number: the numbers a body holds are a port and a timeout. */
    static final int MAX_NUMBER_CHARS = 100;

    /**
     * NaN and Infinity are read only to be refused by name (JSON has no such numbers). Names and
     * strings are bounded by the body's size limit and nesting by {@link #MAX_DEPTH}, so the
     * parser's own limit that can trip is the number length's.
     */
    private static final JsonFactory PARSERS = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(MAX_NUMBER_CHARS)
                    .maxNameLength(Integer.MAX_VALUE).maxStringLength(Integer.MAX_VALUE).build())
            .build();
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final int MAX_QUOTED_NAME = 64;

    private Json() {}

    /** Reads a request body that must be one JSON object; anything else is the client's mistake, said as such. */
    static ObjectNode readObject(byte[] body) throws ControllerException {
        String text;
        try {
            text = StrictUtf8.decode(body);
        } catch (CharacterCodingException e) {
            throw invalid("the body is not well-formed UTF-8");
        }
        try (JsonParser parser = PARSERS.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw invalid("the body must be a JSON object");
            }
            ObjectNode root = (ObjectNode) value(parser, first, ROOT, 1);
            boolean trailing;
            try {
                trailing = parser.nextToken() != null;
            } catch (JsonProcessingException e) {
                trailing = true;
            }
            if (trailing) {
                throw invalid("trailing content after the JSON object");
            }
            return root;
        } catch (StreamConstraintsException e) {
            throw invalid("a number longer than " + MAX_NUMBER_CHARS + " characters");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw invalid(at == null ? "malformed JSON" : "malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr());
        } catch (IOException e) {
            throw invalid("malformed JSON");
        }
    }

    private static JsonNode value(JsonParser parser, JsonToken token, String path, int depth) throws IOException, ControllerException {
        switch (token) {
            case START_OBJECT -> {
                requireDepth(path, depth);
                ObjectNode object = JsonNodeFactory.instance.objectNode();
                while (parser.nextToken() != JsonToken.END_OBJECT) {
                    String name = parser.currentName();
                    if (!EntryCodec.isUnicode(name)) {
                        throw invalid("a member name in " + path + " holds an unpaired UTF-16 surrogate, which is not Unicode text");
                    }
                    if (object.has(name)) {
                        throw invalid("duplicate key " + quoted(name) + where(path));
                    }
                    object.set(name, value(parser, parser.nextToken(), member(path, name), depth + 1));
                }
                return object;
            }
            case START_ARRAY -> {
                requireDepth(path, depth);
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    array.add(value(parser, next, path + "[" + array.size() + "]", depth + 1));
                }
                return array;
            }
            case VALUE_STRING -> {
                String text = parser.getText();
                if (!EntryCodec.isUnicode(text)) {
                    throw invalid("unpaired UTF-16 surrogate at " + path + ", which is not Unicode text");
                }
                return TextNode.valueOf(text);
            }
            case VALUE_NUMBER_INT -> {
                return BigIntegerNode.valueOf(parser.getBigIntegerValue());
            }
            case VALUE_NUMBER_FLOAT -> {
                if (parser.isNaN()) {
                    throw invalid("number not allowed at " + path + ": NaN and Infinity are not JSON numbers");
                }
                try {
                    return DecimalNode.valueOf(parser.getDecimalValue());
                } catch (JsonProcessingException | NumberFormatException e) {
                    throw invalid("number out of range at " + path);
                }
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return BooleanNode.valueOf(token == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NullNode.getInstance();
            }
            default -> throw invalid("malformed JSON at " + path);
        }
    }

    private static void requireDepth(String path, int depth) throws ControllerException {
        if (depth > MAX_DEPTH) {
            throw invalid("nesting too deep at " + path + ": at most " + MAX_DEPTH + " levels of objects and arrays");
        }
    }

    /** The path of member {@code name} of the object at {@code path}: {@code $.ssh.port}, or {@code $["odd name"]}. */
    static String member(String path, String name) {
        return PLAIN_NAME.matcher(name).matches() ? path + "." + name : path + "[" + quoted(name) + "]";
    }

    /** A name as a JSON string, cut to {@value #MAX_QUOTED_NAME} characters: it is echoed to the client and into the log. */
    static String quoted(String name) {
        String cut = name.length() <= MAX_QUOTED_NAME ? name
                : name.substring(0, Character.isHighSurrogate(name.charAt(MAX_QUOTED_NAME - 1)) ? MAX_QUOTED_NAME - 1 : MAX_QUOTED_NAME) + "…";
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(cut)) + "\"";
    }

    /** Nothing for the body's own object, else where the object is. */
    static String where(String path) {
        return ROOT.equals(path) ? "" : " at " + path;
    }

    static ControllerException invalid(String message) {
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
