package dev.duet.protocol.entry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Octets;
import dev.duet.protocol.CvmMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** One JSON object being read: every member must be read once with its type, and no other may be there. */
final class Fields {
    private final String where;
    private final JsonNode node;
    private final Set<String> read = new HashSet<>();

    Fields(String where, JsonNode node) throws MalformedPayloadException {
        if (node == null || !node.isObject()) {
            throw new MalformedPayloadException(where + " is not a JSON object");
        }
        this.where = where;
        this.node = node;
    }

    /** The object itself, for a reader of its own ({@link PolicyCodec}); marks nothing read. */
    JsonNode node() {
        return node;
    }

    /** A string member's value without marking it read, or null. */
    String peekText(String name) {
        JsonNode value = node.get(name);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    String where() {
        return where;
    }

    /** A list member, read as it is (its elements judged by the caller). */
    JsonNode array(String name) throws MalformedPayloadException {
        JsonNode value = get(name);
        if (!value.isArray()) {
            throw malformed(name, "is not a list");
        }
        return value;
    }

    /** A JSON value that must be a list of strings; {@code where} names it. */
    static List<String> strings(String where, JsonNode value) throws MalformedPayloadException {
        if (value == null || !value.isArray()) {
            throw new MalformedPayloadException(where + " is not a list");
        }
        List<String> texts = new ArrayList<>(value.size());
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw new MalformedPayloadException(where + " holds something other than strings");
            }
            texts.add(element.textValue());
        }
        return texts;
    }

    boolean has(String name) {
        return node.has(name);
    }

    List<String> names() {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private JsonNode get(String name) throws MalformedPayloadException {
        JsonNode value = node.get(name);
        if (value == null) {
            throw new MalformedPayloadException(where + " has no member '" + name + "'");
        }
        read.add(name);
        return value;
    }

    boolean isNull(String name) throws MalformedPayloadException {
        return get(name).isNull();
    }

    String text(String name) throws MalformedPayloadException {
        JsonNode value = get(name);
        if (!value.isTextual()) {
            throw malformed(name, "is not a string");
        }
        return value.textValue();
    }

    void constant(String name, String expected) throws MalformedPayloadException {
        if (!text(name).equals(expected)) {
            throw malformed(name, "is not \"" + expected + "\"");
        }
    }

    boolean bool(String name) throws MalformedPayloadException {
        JsonNode value = get(name);
        if (!value.isBoolean()) {
            throw malformed(name, "is not true or false");
        }
        return value.booleanValue();
    }

    long integer(String name, long min, long max) throws MalformedPayloadException {
        JsonNode value = get(name);
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw malformed(name, "is not an integer from " + min + " to " + max);
        }
        return value.longValue();
    }

    Octets hex(String name, int length) throws MalformedPayloadException {
        Octets value = hex(name);
        if (value.length() != length) {
            throw malformed(name, "is not " + length + " bytes");
        }
        return value;
    }

    Octets hex(String name) throws MalformedPayloadException {
        try {
            return Octets.fromHex(text(name));
        } catch (IllegalArgumentException e) {
            throw malformed(name, "is not hex");
        }
    }

    CvmMode mode(String name) throws MalformedPayloadException {
        String wire = text(name);
        return CvmMode.parse(wire).orElseThrow(() -> malformed(name, "names no mode"));
    }

    Instant instant(String name) throws MalformedPayloadException {
        try {
            return Instant.parse(text(name));
        } catch (DateTimeParseException e) {
            throw malformed(name, "is not an RFC 3339 UTC instant");
        }
    }

    List<String> texts(String name) throws MalformedPayloadException {
        return strings(where + "." + name, get(name));
    }

    Fields object(String name) throws MalformedPayloadException {
        return new Fields(where + "." + name, get(name));
    }

    List<Fields> objects(String name) throws MalformedPayloadException {
        JsonNode value = get(name);
        if (!value.isArray()) {
            throw malformed(name, "is not a list");
        }
        List<Fields> objects = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            objects.add(new Fields(where + "." + name + "[" + i + "]", value.get(i)));
        }
        return objects;
    }

    void done() throws MalformedPayloadException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!read.contains(name)) {
                throw new MalformedPayloadException(where + " has a member '" + name + "' its kind does not have");
            }
        }
    }

    MalformedPayloadException malformed(String name, String problem) {
        return new MalformedPayloadException(where + "." + name + " " + problem);
    }
}
