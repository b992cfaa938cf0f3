package dev.duet.log.store;

import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.LogHead;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.PerfectSubtrees;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.merkle.PostOrder;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.note.SignedNote;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.result.ResultIterable;
import org.jdbi.v3.core.result.ResultIterator;

/**
 * The log's tables. Each entry row keeps the entry's canonical bytes (what is hashed) and its hash;
 * the subject column only indexes. {@code merkle_tree} holds every perfect subtree of the RFC 9162
 * tree over those bytes (about two rows per entry), by position in post order ({@link PostOrder}).
 * Appends happen only through a write's {@link Transaction#append}, which the store serialises, so
 * an entry is durable together with the state change it records.
 */
public final class SqliteAuditLog {
    private SqliteAuditLog() {}

    /**
     * The log's tables, version 1 (the tables every release before schema versions made). A
     * program that keeps its own tables in the same file starts its schema's first step with it.
     */
    public static final String SCHEMA_1 = "/dev/duet/log/store/schema-1-log.sql";

    /** The log's tables, version 2: the checkpoint is no longer stored. A step of its own in a program's schema. */
    public static final String SCHEMA_2 = "/dev/duet/log/store/schema-2-log.sql";

    /** The log's tables, version 3: the tree's nodes stored by their position in post order. A step of its own in a program's schema. */
    public static final String SCHEMA_3 = "/dev/duet/log/store/schema-3-log.sql";

    /** The schema of a file that holds the log alone. */
    public static final Schema SCHEMA = new Schema(java.util.List.of(Schema.Step.of(SCHEMA_1), Schema.Step.of(SCHEMA_2),
            Schema.Step.of(SCHEMA_3)));

    /** The stored perfect subtrees, looked up one by one. */
    static PerfectSubtrees storedNodes(Handle h) {
        return (level, idx) -> node(h, level, idx);
    }

    private static Sha256Hash node(Handle h, int level, long idx) {
        return h.createQuery("SELECT hash FROM merkle_tree WHERE pos = ?").bind(0, PostOrder.position(level, idx))
                .map((rs, ctx) -> Sha256Hash.wrap(rs.getBytes(1)))
                .findOne()
                .orElseThrow(() -> new CorruptStoreException("Merkle node " + level + "/" + idx + " is missing"));
    }

    /** The tree over the stored entries; roots and proofs for any size up to the log's. */
    public static MerkleProofs tree(Handle h) {
        return new MerkleProofs(storedNodes(h));
    }

    /** The RFC 9162 root of the first {@code size} entries. */
    public static Sha256Hash treeRoot(Handle h, long size) {
        return tree(h).root(0, size);
    }

    /** The note of a checkpoint of a tree of {@code size} with {@code root}, signed by {@code signer}. */
    static String checkpointNote(CheckpointSigner signer, long size, Sha256Hash root) {
        Checkpoint checkpoint = new Checkpoint(signer.origin(), size, root, java.util.List.of());
        return SignedNote.sign(checkpoint.text(), signer.verifierKey(), signer::sign).encode();
    }

    public static LogHead head(Handle h) {
        return h.createQuery("SELECT seq, hash FROM log_entries ORDER BY seq DESC LIMIT 1")
                .map((rs, ctx) -> new LogHead(rs.getLong("seq") + 1, Sha256Hash.wrap(rs.getBytes("hash"))))
                .findOne()
                .orElse(new LogHead(0, Sha256Hash.ZERO));
    }

    /** The stored bytes of entries {@code [from, to)}, in order. */
    public static List<byte[]> encodedRange(Handle h, long from, long to) {
        return bodies(h, from, to).list();
    }

    private static ResultIterable<byte[]> bodies(Handle h, long from, long to) {
        return h.createQuery("SELECT body FROM log_entries WHERE seq >= ? AND seq < ? ORDER BY seq").bind(0, from).bind(1, to)
                .map((rs, ctx) -> rs.getBytes("body"));
    }

    private static ResultIterable<byte[]> subjectBodies(Handle h, String subject, long fromSeq, long toSeq, int limit) {
        return h.createQuery("SELECT body FROM log_entries WHERE subject = ? AND seq >= ? AND seq < ? ORDER BY seq LIMIT ?")
                .bind(0, subject).bind(1, fromSeq).bind(2, toSeq).bind(3, limit).map((rs, ctx) -> rs.getBytes("body"));
    }

    /** A page of entries, and whether the rows asked for went on past it. */
    public record Page(List<LogEntry> entries, boolean more) {}

    /**
     * Entries {@code [from, to)} as {@link #range} reads them, but read row by row and ended once
     * they hold {@code maxBytes} (at least one entry is read): a page's memory is bounded whatever
     * the size of its entries, which owners choose (a logged policy can be a megabyte).
     */
    public static Page rangeWithin(Handle h, long from, long to, long maxBytes) {
        return bounded(bodies(h, from, to), maxBytes);
    }

    /** As {@link #subjectPage}, ended once the entries read hold {@code maxBytes} (see {@link #rangeWithin}). */
    public static Page subjectPageWithin(Handle h, String subject, long fromSeq, int limit, long maxBytes) {
        return bounded(subjectBodies(h, subject, fromSeq, Long.MAX_VALUE, limit), maxBytes);
    }

    private static Page bounded(ResultIterable<byte[]> rows, long maxBytes) {
        List<byte[]> bodies = new ArrayList<>();
        long bytes = 0;
        try (ResultIterator<byte[]> it = rows.iterator()) {
            while (it.hasNext() && (bodies.isEmpty() || bytes < maxBytes)) {
                byte[] body = it.next();
                bodies.add(body);
                bytes += body.length;
            }
            return new Page(decodeAll(bodies), it.hasNext());
        }
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

    /**
     * At most {@code limit} of the subject's entries with seq at least {@code fromSeq}, in order: a
     * page of one CVM's history by the subject index, its cost the page's, not the history's.
     */
    public static List<LogEntry> subjectPage(Handle h, String subject, long fromSeq, int limit) {
        return subjectRange(h, subject, fromSeq, Long.MAX_VALUE, limit);
    }

    /** At most {@code limit} of the subject's entries with seq in {@code [fromSeq, toSeq)}, in order. */
    public static List<LogEntry> subjectRange(Handle h, String subject, long fromSeq, long toSeq, int limit) {
        return decodeAll(subjectBodies(h, subject, fromSeq, toSeq, limit).list());
    }

    /** How many entries the subject has, counted on the subject index without reading one. */
    public static long subjectSize(Handle h, String subject) {
        return h.createQuery("SELECT COUNT(*) FROM log_entries WHERE subject = ?").bind(0, subject).mapTo(Long.class).one();
    }

    /** The subject's last entry with seq below {@code beforeSeq}, if it has one. */
    public static Optional<LogEntry> subjectEntryBefore(Handle h, String subject, long beforeSeq) {
        return subjectPageBefore(h, subject, beforeSeq, 1).stream().findFirst();
    }

    /** The subject's last {@code limit} entries with seq below {@code beforeSeq}, newest first. */
    public static List<LogEntry> subjectPageBefore(Handle h, String subject, long beforeSeq, int limit) {
        return decodeAll(h.createQuery("SELECT body FROM log_entries WHERE subject = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
                .bind(0, subject)
                .bind(1, beforeSeq)
                .bind(2, limit)
                .map((rs, ctx) -> rs.getBytes("body"))
                .list());
    }

    /** The entry at {@code seq}, if the log has one. */
    public static Optional<LogEntry> entry(Handle h, long seq) {
        return range(h, seq, seq + 1).stream().findFirst();
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
