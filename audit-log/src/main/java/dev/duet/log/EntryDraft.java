package dev.duet.log;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/** What a caller asks the log to record; the log assigns sequence number, time and links. */
public record EntryDraft(Optional<String> subject, String actor, String kind, String payloadJson) {
    public EntryDraft {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payloadJson, "payloadJson");
    }

    public static EntryDraft of(String subject, String actor, String kind, JsonNode payload) {
        return new EntryDraft(Optional.ofNullable(subject), actor, kind, EntryCodec.canonical(payload));
    }
}
