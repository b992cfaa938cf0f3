package dev.duet.api;

import dev.duet.controller.ControllerException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A request's query string, read strictly from its raw form: {@code name=value} pairs joined by
 * {@code &}, strict percent-encoding ({@link PercentEncoding}; {@code +} is a space, as in HTML form
 * encoding), each parameter at most once and only those the route takes. A
 * query that cannot be read one way only is refused, never half read.
 */
final class Query {
    /** Digits of a count; 18 always fit a Java long. */
    private static final int MAX_DIGITS = 18;

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code raw} (null when there is no query), which may name only {@code allowed}. */
    static Query parse(String raw, Set<String> allowed) throws ControllerException {
        Map<String, String> values = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return new Query(values);
        }
        for (String pair : raw.split("&", -1)) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw Json.invalid("the query holds " + (pair.isEmpty() ? "an empty parameter" : "a parameter without a value: "
                        + Json.quoted(pair)) + "; parameters are name=value joined by &");
            }
            String name = decode(pair.substring(0, equals));
            if (!allowed.contains(name)) {
                throw Json.invalid(allowed.isEmpty() ? "this route takes no query parameters, not " + Json.quoted(name)
                        : "unknown query parameter " + Json.quoted(name) + "; this route takes " + String.join(", ", allowed.stream().sorted().toList()));
            }
            if (values.put(name, decode(pair.substring(equals + 1))) != null) {
                throw Json.invalid("query parameter " + name + " is given more than once");
            }
        }
        return new Query(values);
    }

    Optional<String> string(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** A non-negative integer of 1 to 18 ASCII digits (no sign, no other script's digits). */
    Optional<Long> count(String name) throws ControllerException {
        Optional<String> value = string(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String digits = value.get();
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw Json.invalid("query parameter " + name + " must be a non-negative integer of 1 to " + MAX_DIGITS + " ASCII digits");
        }
        return Optional.of(Long.parseLong(digits));
    }

    long requiredCount(String name) throws ControllerException {
        return count(name).orElseThrow(() -> Json.invalid("query parameter " + name + " is required"));
    }

    private static String decode(String encoded) throws ControllerException {
        return PercentEncoding.decode(encoded, true, "the query");
    }
}
