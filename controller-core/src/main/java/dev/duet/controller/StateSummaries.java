package dev.duet.controller;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.LogHead;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.protocol.CvmHistory;
import dev.duet.protocol.CvmMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * What a CVM's signed summary ({@code duet.cvm-state/v2}) says of its history, kept folded: each
 * CVM's entries are replayed through the lifecycle once, and a later read replays only the entries
 * appended since ({@link #fold}), so a summary costs the new entries, not the history. And the
 * summary last signed for each CVM, with the checkpoint it was composed under: while the log has
 * not grown, a read without a nonce is answered with those bytes, no signature, no query, and a
 * read with a nonce signs a copy of that summary with the nonce, one signature, no query.
 */
final class StateSummaries {
    private static final int PAGE = 1000;

    /**
     * A CVM's history, folded up to its entry {@code lastSeq}: how many entries, the hash of the
     * last, where the lifecycle leads, and the entry that ended provisioning (adopted or failed).
     */
    record Folded(long count, long lastSeq, Sha256Hash head, CvmHistory.Replay replay, OptionalLong custodyEnd) {
        static final Folded EMPTY = new Folded(0, -1, Sha256Hash.ZERO, CvmHistory.Replay.initial(), OptionalLong.empty());

        Folded then(List<LogEntry> entries) {
            CvmHistory.Replay next = replay;
            OptionalLong custody = custodyEnd;
            for (LogEntry entry : entries) {
                next = next.then(List.of(entry));
                if (custody.isEmpty() && next.mode().filter(m -> m != CvmMode.PROVISIONING).isPresent()) {
                    custody = OptionalLong.of(entry.seq());
                }
            }
            LogEntry last = entries.get(entries.size() - 1);
            return new Folded(count + entries.size(), last.seq(), EntryCodec.hash(last), next, custody);
        }
    }

    /**
     * A summary signed without a nonce: the checkpoint it was composed under, its payload (never
     * changed: a read with a nonce signs a copy) and the document as sent.
     */
    record Signed(String checkpoint, ObjectNode payload, byte[] document) {}

    private final Map<String, Folded> folded = new ConcurrentHashMap<>();
    private final Map<String, Signed> signed = new ConcurrentHashMap<>();

    /** The CVM's history folded up to {@code head} (the snapshot {@code h} reads). */
    Folded fold(Handle h, String id, LogHead head) {
        Folded start = folded.getOrDefault(id, Folded.EMPTY);
        if (start.lastSeq() >= head.size()) {
            // Folded by a read of a newer snapshot than this one: fold this snapshot's own history.
            start = Folded.EMPTY;
        }
        Folded out = start;
        List<LogEntry> page;
        do {
            page = SqliteAuditLog.subjectPage(h, id, out.lastSeq() + 1, PAGE);
            if (!page.isEmpty()) {
                out = out.then(page);
            }
        } while (page.size() == PAGE);
        Folded result = out;
        folded.merge(id, result, (old, mine) -> mine.lastSeq() > old.lastSeq() ? mine : old);
        return result;
    }

    /** The summary last signed for the CVM without a nonce, if it was composed under {@code checkpoint}. */
    Optional<Signed> signed(String id, String checkpoint) {
        Signed last = signed.get(id);
        return last != null && last.checkpoint().equals(checkpoint) ? Optional.of(last) : Optional.empty();
    }

    void remember(String id, Signed document) {
        signed.put(id, document);
    }
}
