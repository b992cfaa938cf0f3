package dev.duet.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.ControllerException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One JSON object of an owner request body, read member by member into typed values. It may hold
 * only the members it is opened with (others are refused as unknown); a value is taken as it is
 * and never coerced (a number is not a string, {@code null} is no value of any type). Each refusal
 * names the member by its path.
 */
final class BodyObject {
    private final ObjectNode node;
    private final String path;

    private BodyObject(ObjectNode node, String path, Set<String> names) throws ControllerException {
        this.node = node;
        this.path = path;
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!names.contains(name)) {
                throw Json.invalid("unknown field " + Json.quoted(name) + Json.where(path));
            }
        }
    }

    /** The body's own object, which may hold only {@code names}. */
    static BodyObject of(byte[] body, String... names) throws ControllerException {
        return new BodyObject(Json.readObject(body), Json.ROOT, Set.of(names));
    }

    String string(String name) throws ControllerException {
        return optionalString(name).orElseThrow(() -> missing(name));
    }

    Optional<String> optionalString(String name) throws ControllerException {
        JsonNode value = node.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw wrongType(Json.member(path, name), "a string", value);
        }
        return Optional.of(value.textValue());
    }

    /** An array of strings. */
    List<String> strings(String name) throws ControllerException {
        JsonNode value = node.get(name);
        if (value == null) {
            throw missing(name);
        }
        String at = Json.member(path, name);
        if (!value.isArray()) {
            throw wrongType(at, "an array of strings", value);
        }
        List<String> strings = new ArrayList<>(value.size());
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw wrongType(at + "[" + strings.size() + "]", "a string", element);
            }
            strings.add(element.textValue());
        }
        return strings;
    }

    /** A JSON integer (no fraction, no exponent) within Java's int (two's complement in fewer than 32 bits). */
    Optional<Integer> optionalInt(String name) throws ControllerException {
        JsonNode value = node.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isBigInteger()) {
            throw wrongType(Json.member(path, name), "an integer", value);
        }
        if (value.bigIntegerValue().bitLength() >= Integer.SIZE) {
            throw Json.invalid(Json.member(path, name) + " is out of range: at most " + Integer.MAX_VALUE);
        }
        return Optional.of(value.bigIntegerValue().intValueExact());
    }

    /** A number exactly as written. */
    Optional<BigDecimal> optionalNumber(String name) throws ControllerException {
        JsonNode value = node.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isNumber()) {
            throw wrongType(Json.member(path, name), "a number", value);
        }
        return Optional.of(value.isBigInteger() ? new BigDecimal(value.bigIntegerValue()) : value.decimalValue());
    }

    /** A nested object, which may hold only {@code names}. */
    Optional<BodyObject> optionalObject(String name, String... names) throws ControllerException {
        JsonNode value = node.get(name);
        if (value == null) {
            return Optional.empty();
        }
        String at = Json.member(path, name);
        if (!value.isObject()) {
            throw wrongType(at, "an object", value);
        }
        return Optional.of(new BodyObject((ObjectNode) value, at, Set.of(names)));
    }

    boolean has(String name) {
        return node.has(name);
    }

    /** An array of objects, each of which may hold only {@code names}; empty when absent. */
    List<BodyObject> objects(String name, String... names) throws ControllerException {
        JsonNode value = node.get(name);
        if (value == null) {
            return List.of();
        }
        String at = Json.member(path, name);
        if (!value.isArray()) {
            throw wrongType(at, "an array of objects", value);
        }
        List<BodyObject> objects = new ArrayList<>(value.size());
        for (JsonNode element : value) {
            if (!element.isObject()) {
                throw wrongType(at + "[" + objects.size() + "]", "an object", element);
            }
            objects.add(new BodyObject((ObjectNode) element, at + "[" + objects.size() + "]", Set.of(names)));
        }
        return objects;
    }

    private ControllerException missing(String name) {
        return Json.invalid("missing field " + Json.quoted(name) + Json.where(path));
    }

    private static ControllerException wrongType(String at, String expected, JsonNode got) {
        return Json.invalid("wrong type at " + at + ": expected " + expected + ", got " + kind(got));
    }

    private static String kind(JsonNode value) {
        return switch (value.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> value.isBigInteger() ? "an integer" : "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "something else";
        };
    }
}
