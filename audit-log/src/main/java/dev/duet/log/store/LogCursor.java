package dev.duet.log.store;

import dev.duet.log.EntryCodec;
import dev.duet.log.EntryDraft;
import dev.duet.log.LogEntry;
import dev.duet.log.LogHead;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.PostOrder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The committer's view of the log head: size, last hash, the Merkle frontier and the subject heads
 * it has seen, kept in memory so that an append is three prepared inserts and no lookups. It lives
 * on the committer's connection; a job's rollback resets it to its mark, and any failed batch
 * discards it, so it is reloaded from what is actually on disk.
 */
final class LogCursor implements AutoCloseable {
    private final PreparedStatement insertEntry;
    private final PreparedStatement insertNode;
    private final PreparedStatement subjectHead;
    private final PreparedStatement savepoint;
    private final PreparedStatement release;
    private final PreparedStatement rollbackTo;
    private long size;
    private Sha256Hash head;
    private MerkleFrontier tree;
    private final Map<String, Sha256Hash> subjectHeads = new HashMap<>();
    private final Deque<Map.Entry<String, Optional<Sha256Hash>>> undo = new ArrayDeque<>();

    private LogCursor(Connection connection, long size, Sha256Hash head, MerkleFrontier tree) throws SQLException {
        this.insertEntry = connection.prepareStatement("INSERT INTO log_entries(seq, subject, hash, body) VALUES (?, ?, ?, ?)");
        this.insertNode = connection.prepareStatement("INSERT INTO merkle_tree(pos, hash) VALUES (?, ?)");
        this.subjectHead = connection.prepareStatement("SELECT hash FROM log_entries WHERE subject = ? ORDER BY seq DESC LIMIT 1");
        this.savepoint = connection.prepareStatement("SAVEPOINT job");
        this.release = connection.prepareStatement("RELEASE job");
        this.rollbackTo = connection.prepareStatement("ROLLBACK TO job");
        this.size = size;
        this.head = head;
        this.tree = tree;
    }

    /** Reads the head and the frontier from the store, adding the tree nodes of entries stored before the tree existed. */
    static LogCursor load(org.jdbi.v3.core.Handle h) {
        LogHead head = SqliteAuditLog.head(h);
        long stored = h.createQuery("SELECT COALESCE(MAX(pos), -1) FROM merkle_tree").mapTo(Long.class).one() + 1;
        long leaves = PostOrder.leaves(stored).orElseThrow(() ->
                new CorruptStoreException("the stored tree ends at position " + stored + ", where no tree of whole leaves ends"));
        // A tree that does not end where the entries do would sign roots of other bytes and put every later leaf at the wrong index.
        if (leaves > head.size()) {
            throw new CorruptStoreException("the stored tree has " + leaves + " leaves, the log only " + head.size() + " entries");
        }
        if (leaves > 0) {
            List<byte[]> last = SqliteAuditLog.encodedRange(h, leaves - 1, leaves);
            if (last.isEmpty() || !MerkleHashes.leaf(last.get(0)).equals(SqliteAuditLog.storedNodes(h).node(0, leaves - 1))) {
                throw new CorruptStoreException("the stored tree's leaf " + (leaves - 1) + " is not the hash of that entry");
            }
        }
        MerkleFrontier tree = MerkleFrontier.restore(leaves, SqliteAuditLog.storedNodes(h));
        try {
            LogCursor cursor = new LogCursor(h.getConnection(), head.size(), head.hash(), tree);
            for (byte[] body : SqliteAuditLog.encodedRange(h, leaves, head.size())) {
                cursor.addLeaf(MerkleHashes.leaf(body));
            }
            return cursor;
        } catch (SQLException e) {
            throw new CorruptStoreException("cannot prepare the log's statements: " + e.getMessage());
        }
    }

    /** A point to return to if the current job rolls back. */
    record Mark(long size, Sha256Hash head, MerkleFrontier tree, int undoDepth) {}

    /** Opens a SQL savepoint for the next job and remembers the in-memory state that goes with it. */
    Mark mark() {
        execute(savepoint);
        return new Mark(size, head, tree.copy(), undo.size());
    }

    /** The job succeeded: its savepoint merges into the batch's transaction. */
    void keep() {
        execute(release);
    }

    /** The job failed: undo its SQL and its effect on the in-memory state. */
    void rollBack(Mark mark) {
        execute(rollbackTo);
        execute(release);
        reset(mark);
    }

    private static void execute(PreparedStatement statement) {
        try {
            statement.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("savepoint statement failed: " + e.getMessage(), e);
        }
    }

    private void reset(Mark mark) {
        size = mark.size();
        head = mark.head();
        tree = mark.tree();
        while (undo.size() > mark.undoDepth()) {
            Map.Entry<String, Optional<Sha256Hash>> change = undo.pop();
            change.getValue().ifPresentOrElse(hash -> subjectHeads.put(change.getKey(), hash), () -> subjectHeads.remove(change.getKey()));
        }
    }

    /** Forgets undo information once a batch is committed. */
    void committed() {
        undo.clear();
    }

    long size() {
        return size;
    }

    Sha256Hash root() {
        return tree.root();
    }

    LogEntry append(EntryDraft draft, Instant now) {
        try {
            Optional<Sha256Hash> subjectPrev = draft.subject().isPresent()
                    ? Optional.of(subjectHeadOf(draft.subject().get())) : Optional.empty();
            LogEntry entry = new LogEntry(size, now.truncatedTo(ChronoUnit.MILLIS), draft.subject(), draft.actor(), draft.kind(),
                    draft.payloadJson(), head, subjectPrev);
            byte[] body = EntryCodec.encode(entry);
            Sha256Hash hash = Sha256Hash.of(body);
            insertEntry.setLong(1, entry.seq());
            insertEntry.setString(2, draft.subject().orElse(null));
            insertEntry.setBytes(3, hash.toByteArray());
            insertEntry.setBytes(4, body);
            insertEntry.executeUpdate();
            addLeaf(MerkleHashes.leaf(body));
            draft.subject().ifPresent(subject -> {
                undo.push(Map.entry(subject, Optional.ofNullable(subjectHeads.get(subject))));
                subjectHeads.put(subject, hash);
            });
            size++;
            head = hash;
            return entry;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot append to the log: " + e.getMessage(), e);
        }
    }

    private Sha256Hash subjectHeadOf(String subject) throws SQLException {
        Sha256Hash cached = subjectHeads.get(subject);
        if (cached != null) {
            return cached;
        }
        subjectHead.setString(1, subject);
        try (ResultSet rs = subjectHead.executeQuery()) {
            Sha256Hash stored = rs.next() ? Sha256Hash.wrap(rs.getBytes(1)) : Sha256Hash.ZERO;
            undo.push(Map.entry(subject, Optional.empty()));
            subjectHeads.put(subject, stored);
            return stored;
        }
    }

    private void addLeaf(Sha256Hash leaf) throws SQLException {
        SQLException[] failure = new SQLException[1];
        tree.append(leaf, (level, index, hash) -> {
            try {
                insertNode.setLong(1, PostOrder.position(level, index));
                insertNode.setBytes(2, hash.toByteArray());
                insertNode.executeUpdate();
            } catch (SQLException e) {
                failure[0] = e;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    @Override
    public void close() {
        for (PreparedStatement statement : new PreparedStatement[] {insertEntry, insertNode, subjectHead, savepoint, release, rollbackTo}) {
            try {
                statement.close();
            } catch (SQLException ignored) {
                // The connection goes with the cursor; nothing more to release.
            }
        }
    }
}
