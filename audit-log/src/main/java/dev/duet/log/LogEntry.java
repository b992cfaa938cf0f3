package dev.duet.log;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of the append-only log. Each entry commits to its predecessor ({@code prev}) and, when
 * it concerns a subject, to the previous entry of the same subject ({@code subjectPrev}), so both
 * the whole log and one subject's history can be checked on their own. The payload is held as
 * canonical JSON text so the record stays immutable.
 */
public record LogEntry(
        long seq,
        Instant time,
        Optional<String> subject,
        String actor,
        String kind,
        String payloadJson,
        Sha256Hash prev,
        Optional<Sha256Hash> subjectPrev) {

    public LogEntry {
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0");
        }
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payloadJson, "payloadJson");
        Objects.requireNonNull(prev, "prev");
        Objects.requireNonNull(subjectPrev, "subjectPrev");
        if (subject.isPresent() != subjectPrev.isPresent()) {
            throw new IllegalArgumentException("subjectPrev is present exactly when subject is");
        }
    }
}
