package dev.duet.log.store;

import dev.duet.log.EntryDraft;
import dev.duet.log.LogEntry;
import java.time.Instant;
import org.jdbi.v3.core.Handle;

/**
 * One job's part of a {@link SqliteStore#write}: the tables, the log to append to, and what the
 * commit must do afterwards. It is valid only while the job runs; the store closes it when the job
 * returns, so a transaction that escapes its job cannot append to a later one.
 */
public final class Transaction {
    private final Handle handle;
    private final LogCursor cursor;
    private boolean scrubRequested;
    private boolean open = true;

    Transaction(Handle handle, LogCursor cursor) {
        this.handle = handle;
        this.cursor = cursor;
    }

    /** The tables, inside this transaction. */
    public Handle handle() {
        requireOpen();
        return handle;
    }

    /** Appends an entry; it becomes durable, with everything else this job changed, when the write returns. */
    public LogEntry append(EntryDraft draft, Instant now) {
        requireOpen();
        return cursor.append(draft, now);
    }

    /**
     * Declares that this job destroys a secret (a key) that must not outlive it anywhere in the
     * store's files. After committing, the committer runs {@code PRAGMA wal_checkpoint(TRUNCATE)}:
     * every page's newest image is copied into the database file, over the old one, and the WAL is
     * cut to zero bytes, so no earlier image of a page that held the secret remains; {@code
     * secure_delete} has already zeroed the secret's bytes in the newest image. The checkpoint waits
     * for readers of older snapshots (which may still see the secret); the write returns only once it
     * has completed, and throws {@link IllegalStateException} if it could not within 30 s, or if
     * something failed between the commit and the scrub (the change is committed then, and every
     * later write retries the scrub).
     */
    public void scrubAfterCommit() {
        requireOpen();
        scrubRequested = true;
    }

    boolean scrubRequested() {
        return scrubRequested;
    }

    void close() {
        open = false;
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException("this transaction's job has ended");
        }
    }

    /** A job for {@link SqliteStore#write}; what it throws rolls back its own changes and reaches the caller as thrown. */
    @FunctionalInterface
    public interface Work<T, X extends Exception> {
        T run(Transaction tx) throws X;
    }
}
