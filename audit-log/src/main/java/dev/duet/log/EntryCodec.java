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
import java.util.Optional;
import java.util.Set;

/**
 * The entry encoding: an entry is the RFC 8785 (JCS) canonical JSON of the object
 * {@code {actor, kind, payload, prev, seq, subject?, subject_prev?, time}}, and its hash is SHA-256 of
 * those UTF-8 bytes. Decoding is total (only {@link MalformedEntryException} escapes) and strict: the
 * bytes must be exactly the canonical encoding of what they decode to, so one entry has one encoding.
 */
public final class EntryCodec {
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
        Optional<String> subject = node.has("subject") ? Optional.of(text(node, "subject")) : Optional.empty();
        Optional<Sha256Hash> subjectPrev =
                node.has("subject_prev") ? Optional.of(hash(node, "subject_prev")) : Optional.empty();
        if (subject.isPresent() != subjectPrev.isPresent()) {
            throw new MalformedEntryException("subject and subject_prev come together");
        }
        return new LogEntry(
                seq.asLong(),
                time,
                subject,
                text(node, "actor"),
                text(node, "kind"),
                canonical(node.get("payload")),
                hash(node, "prev"),
                subjectPrev);
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
