package dev.duet.controller;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An owner request as received, before its body is read: what the signature covers (method, raw
 * path, raw query), every header line by lower-case name (repeated lines kept apart, so a repeated
 * signature header can be refused), the source address, whether the route takes a JSON body, and
 * the CVM the route names (the HTTP layer reads it from its route; the core knows no routes).
 */
public record OwnerRequest(String method, String path, String rawQuery, String source, Map<String, List<String>> headers, Body body,
        Optional<String> cvm) {

    /** The request line as received, which a refusal entry records. */
    public record Line(String method, String path) {}

    /** What the route expects after the headers. */
    public enum Body {
        JSON,
        NONE
    }

    public OwnerRequest {
        Map<String, List<String>> lower = new TreeMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).addAll(values));
        lower.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(lower);
    }

    public Line line() {
        return new Line(method, path);
    }

    /** Every line of the header {@code name}, in order; empty if absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
}
