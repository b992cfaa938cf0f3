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

    /**
     * A draft of this payload, which must lie within the entry format's limits
     * ({@link EntryCodec#beyondLimits}): verifiers judge an entry beyond them as not written by the
     * controller, so the controller must never write one.
     */
    public static EntryDraft of(String subject, String actor, String kind, JsonNode payload) {
        EntryCodec.beyondLimits(payload).ifPresent(problem -> {
            throw new IllegalArgumentException("a " + kind + " entry would lie beyond the entry format: " + problem);
        });
        return new EntryDraft(Optional.ofNullable(subject), actor, kind, EntryCodec.canonical(payload));
    }
}
