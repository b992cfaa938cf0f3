package dev.duet.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The entry encoding: an entry is the RFC 8785 (JCS) canonical JSON of the object
 * {@code {actor, kind, payload, prev, seq, subject?, subject_prev?, time}}, and its hash is SHA-256 of
 * those UTF-8 bytes. Decoding is total (only {@link MalformedEntryException} escapes) and strict: the
 * bytes must be exactly the canonical encoding of what they decode to, so one entry has one encoding.
 */
public final class EntryCodec {
    /**
     * The deepest a payload nests, the payload object itself being level 1. The controller's own
     * payloads nest three levels at most; {@link EntryDraft} refuses anything deeper than this.
     */
    public static final int MAX_PAYLOAD_DEPTH = 32;
    /**
     * The longest string (a member name or a value), in UTF-16 code units. The controller's longest
     * is the base64 of a command's captured output (at most 1 MiB, so under 1.4 million characters).
     */
    public static final int MAX_STRING_CHARS = 1 << 24;
    /** The longest number as written: the controller writes integers, and ECMAScript's form of any double has at most 25 characters. */
    public static final int MAX_NUMBER_CHARS = 32;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> REQUIRED = Set.of("actor", "kind", "payload", "prev", "seq", "time");
    private static final Set<String> ALLOWED =
            Set.of("actor", "kind", "payload", "prev", "seq", "time", "subject", "subject_prev");

    private EntryCodec() {}

    /**
     * The canonical bytes, written directly: the member names in RFC 8785 order (actor, kind,
     * payload, prev, seq, subject, subject_prev, time), the payload already canonical.
     */
    public static byte[] encode(LogEntry entry) {
        StringBuilder out = new StringBuilder(160 + entry.payloadJson().length());
        out.append("{\"actor\":");
        CanonicalJson.string(entry.actor(), out);
        out.append(",\"kind\":");
        CanonicalJson.string(entry.kind(), out);
        out.append(",\"payload\":").append(entry.payloadJson());
        out.append(",\"prev\":\"").append(entry.prev().hex()).append('"');
        out.append(",\"seq\":").append(entry.seq());
        if (entry.subject().isPresent()) {
            out.append(",\"subject\":");
            CanonicalJson.string(entry.subject().get(), out);
            out.append(",\"subject_prev\":\"").append(entry.subjectPrev().get().hex()).append('"');
        }
        out.append(",\"time\":");
        CanonicalJson.string(entry.time().toString(), out);
        return out.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Sha256Hash hash(LogEntry entry) {
        return Sha256Hash.of(encode(entry));
    }

    /** The entry as a JSON object, as it appears inside signed documents and API responses. */
    public static ObjectNode toJson(LogEntry entry) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("seq", entry.seq());
        node.put("time", entry.time().toString());
        entry.subject().ifPresent(s -> node.put("subject", s));
        node.put("actor", entry.actor());
        node.put("kind", entry.kind());
        node.set("payload", readTree(entry.payloadJson()));
        node.put("prev", entry.prev().hex());
        entry.subjectPrev().ifPresent(h -> node.put("subject_prev", h.hex()));
        return node;
    }

    public static LogEntry decode(byte[] bytes) throws MalformedEntryException {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw new MalformedEntryException("not JSON");
        }
        LogEntry entry = fromJson(node);
        if (!Arrays.equals(encode(entry), bytes)) {
            throw new MalformedEntryException("not in canonical (RFC 8785) form");
        }
        return entry;
    }

    /** Reads an entry from its JSON object form; the caller re-encodes it to get the hashed bytes. */
    public static LogEntry fromJson(JsonNode node) throws MalformedEntryException {
        if (node == null || !node.isObject()) {
            throw new MalformedEntryException("an entry is a JSON object");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!ALLOWED.contains(name)) {
                throw new MalformedEntryException("unknown field '" + name + "'");
            }
        }
        for (String name : REQUIRED) {
            if (!node.has(name)) {
                throw new MalformedEntryException("missing field '" + name + "'");
            }
        }
        JsonNode seq = node.get("seq");
        if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 0) {
            throw new MalformedEntryException("seq is not a non-negative integer");
        }
        Instant time;
        try {
            time = Instant.parse(text(node, "time"));
        } catch (DateTimeParseException e) {
            throw new MalformedEntryException("time is not an RFC 3339 UTC instant");
        }
        if (!node.get("payload").isObject()) {
            throw new MalformedEntryException("payload is not a JSON object");
        }
        String beyond = beyond(node.get("payload"), 1, true);
        if (beyond != null) {
            throw new MalformedEntryException(beyond);
        }
        Optional<String> subject = node.has("subject") ? Optional.of(text(node, "subject")) : Optional.empty();
        Optional<Sha256Hash> subjectPrev =
                node.has("subject_prev") ? Optional.of(hash(node, "subject_prev")) : Optional.empty();
        if (subject.isPresent() != subjectPrev.isPresent()) {
            throw new MalformedEntryException("subject and subject_prev come together");
        }
        String payload;
        try {
            payload = canonical(node.get("payload"));
        } catch (IllegalArgumentException e) {
            throw new MalformedEntryException("payload holds a number without a canonical form");
        }
        return new LogEntry(seq.asLong(), time, subject, text(node, "actor"), text(node, "kind"), payload, hash(node, "prev"), subjectPrev);
    }

    /**
     * Why a payload lies beyond the format's limits (nested deeper than {@value #MAX_PAYLOAD_DEPTH},
     * a string over {@value #MAX_STRING_CHARS} characters, a number over {@value #MAX_NUMBER_CHARS}
     * characters), or empty. The controller never writes such a payload ({@link EntryDraft} refuses
     * one), so a verifier that meets one knows that the controller did not write it.
     */
    public static Optional<String> beyondLimits(JsonNode payload) {
        return Optional.ofNullable(beyond(payload, 1, false));
    }

    /**
     * With {@code unicode}, decoding also refuses an unpaired surrogate: UTF-8 cannot encode one, so
     * the entry's bytes would hold a replacement character and two payloads would share one encoding.
     */
    private static String beyond(JsonNode node, int level, boolean unicode) {
        if (node.isContainerNode() && level > MAX_PAYLOAD_DEPTH) {
            return "payload nests deeper than " + MAX_PAYLOAD_DEPTH + " levels";
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                String problem = string(member.getKey(), unicode);
                if (problem == null) {
                    problem = beyond(member.getValue(), level + 1, unicode);
                }
                if (problem != null) {
                    return problem;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                String problem = beyond(element, level + 1, unicode);
                if (problem != null) {
                    return problem;
                }
            }
        } else if (node.isTextual()) {
            return string(node.textValue(), unicode);
        } else if (node.isNumber() && node.asText().length() > MAX_NUMBER_CHARS) {
            return "payload holds a number longer than " + MAX_NUMBER_CHARS + " characters";
        }
        return null;
    }

    private static String string(String s, boolean unicode) {
        if (s.length() > MAX_STRING_CHARS) {
            return "payload holds a string longer than " + MAX_STRING_CHARS + " characters";
        }
        return !unicode || isUnicode(s) ? null : "payload holds a string that is not Unicode text (an unpaired surrogate)";
    }

    /** Whether the string is Unicode text: no unpaired UTF-16 surrogate, so it has exactly one UTF-8 encoding. */
    public static boolean isUnicode(String s) {
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

    /** RFC 8785 canonical form of a JSON value. */
    public static String canonical(JsonNode node) {
        return CanonicalJson.write(node);
    }

    private static JsonNode readTree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("payloads are canonical JSON by construction", e);
        }
    }

    private static String text(JsonNode node, String field) throws MalformedEntryException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new MalformedEntryException(field + " is not a string");
        }
        if (v.textValue().length() > MAX_STRING_CHARS || !isUnicode(v.textValue())) {
            throw new MalformedEntryException(field + " is longer than " + MAX_STRING_CHARS + " characters or not Unicode text");
        }
        return v.asText();
    }

    private static Sha256Hash hash(JsonNode node, String field) throws MalformedEntryException {
        try {
            return Sha256Hash.parseHex(text(node, field));
        } catch (IllegalArgumentException e) {
            throw new MalformedEntryException(field + " is not a SHA-256 value in lowercase hex");
        }
    }
}
