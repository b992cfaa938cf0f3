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
        if (entry.seq() != next) {
            return Optional.of("sequence number " + entry.seq() + ", expected " + next);
        }
        if (!entry.prev().equals(prev)) {
            return Optional.of("prev is " + entry.prev() + ", expected " + prev);
        }
        if (entry.subject().isPresent()) {
            Sha256Hash expected = lastOfSubject.getOrDefault(entry.subject().get(), Sha256Hash.ZERO);
            if (!entry.subjectPrev().get().equals(expected)) {
                return Optional.of("subject_prev is " + entry.subjectPrev().get() + ", expected " + expected);
            }
            lastOfSubject.put(entry.subject().get(), hash);
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
