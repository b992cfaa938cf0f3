package dev.duet.log;

import java.util.List;
import java.util.Optional;

/**
 * Recomputes hash chains over entry bytes. Pure: entries in, verdict out. A verifier given the whole
 * log checks both links of every entry; given one subject's entries it checks that subject's chain,
 * which starts at {@link Sha256Hash#ZERO} with the subject's first entry.
 */
public final class ChainVerifier {
    private ChainVerifier() {}

    /** Verifies a whole log from entry 0, given each entry's stored bytes in order. */
    public static ChainVerdict verifyLog(List<byte[]> encodedEntries) {
        List<LogEntry> entries = new java.util.ArrayList<>(encodedEntries.size());
        for (int i = 0; i < encodedEntries.size(); i++) {
            try {
                entries.add(EntryCodec.decode(encodedEntries.get(i)));
            } catch (MalformedEntryException e) {
                return new ChainVerdict.Broken(i, "malformed entry: " + e.getMessage());
            }
        }
        return verifyLog(entries, encodedEntries);
    }

    /**
     * Verifies a whole log from entry 0, given the decoded entries and their canonical bytes (the
     * caller decoded each once); both lists are in log order.
     */
    public static ChainVerdict verifyLog(List<LogEntry> entries, List<byte[]> encodedEntries) {
        ChainChecker checker = new ChainChecker();
        for (int i = 0; i < entries.size(); i++) {
            Optional<String> broken = checker.accept(entries.get(i), Sha256Hash.of(encodedEntries.get(i)));
            if (broken.isPresent()) {
                return new ChainVerdict.Broken(i, broken.get());
            }
        }
        return new ChainVerdict.Intact(checker.size(), checker.head());
    }

    /**
     * Verifies one subject's complete history: every entry names the subject, sequence numbers
     * increase, and each entry's subject_prev is the hash of the one before it (ZERO for the first).
     */
    public static ChainVerdict verifySubject(String subject, List<LogEntry> entries) {
        return verifySubject(subject, Sha256Hash.ZERO, -1, entries);
    }

    /**
     * Verifies the tail of one subject's history that follows a known entry: the first entry's
     * subject_prev is {@code prevHash}, the hash of the subject's entry at {@code prevSeq}, and the
     * rest chain as in {@link #verifySubject(String, List)}. With ZERO and -1 it is the whole history.
     */
    public static ChainVerdict verifySubject(String subject, Sha256Hash prevHash, long prevSeq, List<LogEntry> entries) {
        Sha256Hash prev = prevHash;
        long lastSeq = prevSeq;
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            if (!entry.subject().equals(Optional.of(subject))) {
                return new ChainVerdict.Broken(i, "entry " + entry.seq() + " is not about " + subject);
            }
            if (entry.seq() <= lastSeq) {
                return new ChainVerdict.Broken(i, "sequence number " + entry.seq() + " does not increase");
            }
            if (!entry.subjectPrev().get().equals(prev)) {
                return new ChainVerdict.Broken(
                        i, "subject_prev is " + entry.subjectPrev().get() + ", expected " + prev);
            }
            prev = EntryCodec.hash(entry);
            lastSeq = entry.seq();
        }
        return new ChainVerdict.Intact(entries.size(), prev);
    }
}
