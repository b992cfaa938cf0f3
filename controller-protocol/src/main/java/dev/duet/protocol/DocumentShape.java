package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The members a signed payload may hold, at every level. A signature says the controller wrote a
 * document, not that a verifier read all of it: a member no verifier reads could carry anything
 * under a valid signature, so a verifier refuses every member its document's shape does not have.
 *
 * <p>A shape is a list of dotted member paths ({@code cvm.mode_since.seq}); each path's parents are
 * objects holding only the members listed under them, and a listed leaf is a string, number,
 * boolean or null, never a container; a leaf ending in {@code #} is an integer (the verifiers
 * compare sizes and positions as such: "6" or 6.0 is not the 6 the controller wrote). A path ending in {@code {}} is an object, and one ending in
 * {@code []} an array, that its own strict reader checks (a log entry, a signed document inside
 * another, a list of entries or of proof hashes: {@link dev.duet.log.EntryCodec}, {@link ProofJson}),
 * not looked into here.
 */
public final class DocumentShape {
    private final Set<String> leaves;
    private final Set<String> objects;
    private final Set<String> readElsewhere;
    private final Set<String> arrays;
    private final Set<String> integers;

    private DocumentShape(Set<String> leaves, Set<String> objects, Set<String> readElsewhere, Set<String> arrays, Set<String> integers) {
        this.integers = Set.copyOf(integers);
        this.leaves = Set.copyOf(leaves);
        this.objects = Set.copyOf(objects);
        this.readElsewhere = Set.copyOf(readElsewhere);
        this.arrays = Set.copyOf(arrays);
    }

    public static DocumentShape of(String... paths) {
        Set<String> leaves = new HashSet<>();
        Set<String> objects = new HashSet<>();
        Set<String> readElsewhere = new HashSet<>();
        Set<String> arrays = new HashSet<>();
        Set<String> integers = new HashSet<>();
        for (String path : paths) {
            String name = path.endsWith("{}") || path.endsWith("[]") ? path.substring(0, path.length() - 2)
                    : path.endsWith("#") ? path.substring(0, path.length() - 1) : path;
            (path.endsWith("{}") ? readElsewhere : path.endsWith("[]") ? arrays : leaves).add(name);
            if (path.endsWith("#")) {
                integers.add(name);
            }
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                objects.add(name.substring(0, dot));
            }
        }
        if (java.util.stream.Stream.of(leaves, readElsewhere, arrays).flatMap(Set::stream).anyMatch(objects::contains)) {
            throw new IllegalArgumentException("a path is both a value and an object holding members: " + String.join(", ", paths));
        }
        return new DocumentShape(leaves, objects, readElsewhere, arrays, integers);
    }

    /** The first member of {@code payload} (an object) this shape does not have, or that has another kind of value, said as a reason. */
    public Optional<String> unknownMember(JsonNode payload) {
        return payload.isObject() ? within(payload, "") : Optional.of("the payload is not an object");
    }

    private Optional<String> within(JsonNode object, String prefix) {
        for (Iterator<Map.Entry<String, JsonNode>> members = object.fields(); members.hasNext(); ) {
            Map.Entry<String, JsonNode> member = members.next();
            String path = prefix + member.getKey();
            JsonNode value = member.getValue();
            if (objects.contains(path) || readElsewhere.contains(path)) {
                if (!value.isObject()) {
                    return Optional.of("member '" + path + "' is not an object");
                }
                Optional<String> inside = readElsewhere.contains(path) ? Optional.empty() : within(value, path + ".");
                if (inside.isPresent()) {
                    return inside;
                }
            } else if (arrays.contains(path)) {
                if (!value.isArray()) {
                    return Optional.of("member '" + path + "' is not a list");
                }
            } else if (!leaves.contains(path)) {
                return Optional.of("unknown member '" + path + "'");
            } else if (value.isContainerNode()) {
                return Optional.of("member '" + path + "' is " + (value.isObject() ? "an object" : "a list")
                        + " where the controller writes a value");
            } else if (integers.contains(path) && !value.isIntegralNumber()) {
                return Optional.of("member '" + path + "' is not an integer");
            }
        }
        return Optional.empty();
    }
}
