package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The members a signed payload may hold, at every level. A signature says the controller wrote a
 * document, not that a verifier read all of it: a member no verifier reads could carry anything
 * under a valid signature, so a verifier refuses every member its document's shape does not have.
 *
 * <p>A shape is a list of dotted member paths ({@code cvm.mode_since.seq}); each path's parents are
 * objects holding only the members listed under them, and a listed leaf is a string, number,
 * boolean or null, never a container; a leaf ending in {@code #} is an integer (the verifiers
 * compare sizes and positions as such: "6" or 6.0 is not the 6 the controller wrote), and one
 * ending in {@code ?} a boolean ("false" or 0 is not the false the controller wrote). A path
 * ending in {@code {}} is an object, and one ending in {@code []} an array, that its own strict reader checks (a log entry, a signed document inside
 * another, a list of entries or of proof hashes: {@link dev.duet.log.EntryCodec}, {@link ProofJson}),
 * not looked into here.
 */
public final class DocumentShape {
    /** What a path names, by its suffix (OBJECT has none: it is a parent of other paths; VALUE's is empty, so it comes last). */
    private enum Kind {
        OBJECT(null), READ_ELSEWHERE("{}"), LIST("[]"), INTEGER("#"), BOOLEAN("?"), VALUE("");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }

        static Kind of(String path) {
            return Stream.of(values()).filter(k -> k.suffix != null && path.endsWith(k.suffix)).findFirst().orElseThrow();
        }
    }

    private final List<String> paths;
    private final Map<String, Kind> kinds;

    private DocumentShape(List<String> paths, Map<String, Kind> kinds) {
        this.paths = paths;
        this.kinds = kinds;
    }

    public static DocumentShape of(String... paths) {
        Map<String, Kind> kinds = new HashMap<>();
        Set<String> parents = new HashSet<>();
        for (String path : paths) {
            Kind kind = Kind.of(path);
            String name = path.substring(0, path.length() - kind.suffix.length());
            kinds.put(name, kind);
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                parents.add(name.substring(0, dot));
            }
        }
        if (parents.stream().anyMatch(kinds::containsKey)) {
            throw new IllegalArgumentException("a path is both a value and an object holding members: " + String.join(", ", paths));
        }
        parents.forEach(parent -> kinds.put(parent, Kind.OBJECT));
        return new DocumentShape(List.of(paths), Map.copyOf(kinds));
    }

    /** This shape with more paths: a format that adds members to another's. */
    public DocumentShape with(String... more) {
        return of(Stream.concat(paths.stream(), Stream.of(more)).toArray(String[]::new));
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
            Kind kind = kinds.get(path);
            Optional<String> wrong = kind == null ? Optional.of("unknown member '" + path + "'") : switch (kind) {
                case OBJECT -> value.isObject() ? within(value, path + ".") : Optional.of("member '" + path + "' is not an object");
                case READ_ELSEWHERE -> value.isObject() ? Optional.empty() : Optional.of("member '" + path + "' is not an object");
                case LIST -> value.isArray() ? Optional.empty() : Optional.of("member '" + path + "' is not a list");
                case VALUE -> container(path, value);
                case INTEGER -> container(path, value).or(() -> value.isIntegralNumber() ? Optional.empty()
                        : Optional.of("member '" + path + "' is not an integer"));
                case BOOLEAN -> container(path, value).or(() -> value.isBoolean() ? Optional.empty()
                        : Optional.of("member '" + path + "' is not true or false"));
            };
            if (wrong.isPresent()) {
                return wrong;
            }
        }
        return Optional.empty();
    }

    /** Why {@code value} cannot stand where the controller writes a string, number, boolean or null, if it cannot. */
    private static Optional<String> container(String path, JsonNode value) {
        return value.isContainerNode() ? Optional.of("member '" + path + "' is " + (value.isObject() ? "an object" : "a list")
                + " where the controller writes a value") : Optional.empty();
    }
}
