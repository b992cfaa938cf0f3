package dev.duet.log;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The log-chain rules of {@link ChainVerifier#verifyLog}, one entry at a time, for logs too large
 * to hold: entry i has sequence number i, its prev is the hash of entry i-1, and its subject_prev
 * is the hash of the previous entry of its subject.
 */
public final class ChainChecker {
    private final Map<String, Sha256Hash> lastOfSubject = new HashMap<>();
    private Sha256Hash prev = Sha256Hash.ZERO;
    private long next;

    /** Checks the next entry, given with the hash of its canonical bytes; a break leaves the checker unusable. */
    public Optional<String> accept(LogEntry entry, Sha256Hash hash) {
        return accept(entry.seq(), entry.prev(), entry.subject().orElse(null), entry.subjectPrev().orElse(null), hash);
    }

    /** The same, from the chain fields alone ({@code subject} and {@code subjectPrev} null together). */
    public Optional<String> accept(long seq, Sha256Hash entryPrev, String subject, Sha256Hash subjectPrev, Sha256Hash hash) {
        if (seq != next) {
            return Optional.of("sequence number " + seq + ", expected " + next);
        }
        if (!entryPrev.equals(prev)) {
            return Optional.of("prev is " + entryPrev + ", expected " + prev);
        }
        if (subject != null) {
            Sha256Hash expected = lastOfSubject.getOrDefault(subject, Sha256Hash.ZERO);
            if (!subjectPrev.equals(expected)) {
                return Optional.of("subject_prev is " + subjectPrev + ", expected " + expected);
            }
            lastOfSubject.put(subject, hash);
        }
        prev = hash;
        next++;
        return Optional.empty();
    }

    public long size() {
        return next;
    }

    public Sha256Hash head() {
        return prev;
    }
}
