package dev.duet.log.store;

import dev.duet.log.EntryCodec;
import dev.duet.log.EntryDraft;
import dev.duet.log.LogEntry;
import dev.duet.log.LogHead;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The log's table. Each row keeps the entry's canonical bytes (what is hashed) and its hash; the
 * subject column only indexes. Appends must run inside {@link SqliteStore#write}, which serialises
 * them, so an entry is durable together with the state change it records.
 */
public final class SqliteAuditLog {
    private SqliteAuditLog() {}

    static Void createSchema(Handle h) {
        h.execute("CREATE TABLE IF NOT EXISTS log_entries ("
                + " seq INTEGER PRIMARY KEY CHECK (seq >= 0),"
                + " subject TEXT,"
                + " hash BLOB NOT NULL CHECK (length(hash) = 32),"
                + " body BLOB NOT NULL)");
        h.execute("CREATE INDEX IF NOT EXISTS log_entries_subject ON log_entries(subject, seq)");
        return null;
    }

    public static LogEntry append(Handle h, EntryDraft draft, Instant now) {
        LogHead head = head(h);
        Optional<Sha256Hash> subjectPrev = draft.subject().map(s -> subjectHead(h, s).orElse(Sha256Hash.ZERO));
        LogEntry entry = new LogEntry(
                head.size(),
                now.truncatedTo(ChronoUnit.MILLIS),
                draft.subject(),
                draft.actor(),
                draft.kind(),
                draft.payloadJson(),
                head.hash(),
                subjectPrev);
        byte[] body = EntryCodec.encode(entry);
        h.createUpdate("INSERT INTO log_entries(seq, subject, hash, body) VALUES (?, ?, ?, ?)")
                .bind(0, entry.seq())
                .bind(1, draft.subject().orElse(null))
                .bind(2, Sha256Hash.of(body).toByteArray())
                .bind(3, body)
                .execute();
        return entry;
    }

    public static LogHead head(Handle h) {
        return h.createQuery("SELECT seq, hash FROM log_entries ORDER BY seq DESC LIMIT 1")
                .map((rs, ctx) -> new LogHead(rs.getLong("seq") + 1, Sha256Hash.wrap(rs.getBytes("hash"))))
                .findOne()
                .orElse(new LogHead(0, Sha256Hash.ZERO));
    }

    public static Optional<Sha256Hash> subjectHead(Handle h, String subject) {
        return h.createQuery("SELECT hash FROM log_entries WHERE subject = ? ORDER BY seq DESC LIMIT 1")
                .bind(0, subject)
                .map((rs, ctx) -> Sha256Hash.wrap(rs.getBytes("hash")))
                .findOne();
    }

    /** The stored bytes of entries {@code [from, to)}, in order. */
    public static List<byte[]> encodedRange(Handle h, long from, long to) {
        return h.createQuery("SELECT body FROM log_entries WHERE seq >= ? AND seq < ? ORDER BY seq")
                .bind(0, from)
                .bind(1, to)
                .map((rs, ctx) -> rs.getBytes("body"))
                .list();
    }

    /** Entries {@code [from, to)}; a row that does not decode is a corrupted store. */
    public static List<LogEntry> range(Handle h, long from, long to) {
        return decodeAll(encodedRange(h, from, to));
    }

    public static List<LogEntry> subjectEntries(Handle h, String subject) {
        return decodeAll(h.createQuery("SELECT body FROM log_entries WHERE subject = ? ORDER BY seq")
                .bind(0, subject)
                .map((rs, ctx) -> rs.getBytes("body"))
                .list());
    }

    private static List<LogEntry> decodeAll(List<byte[]> bodies) {
        List<LogEntry> entries = new ArrayList<>(bodies.size());
        for (byte[] body : bodies) {
            try {
                entries.add(EntryCodec.decode(body));
            } catch (MalformedEntryException e) {
                throw new CorruptStoreException("stored log entry does not decode: " + e.getMessage());
            }
        }
        return entries;
    }
}
