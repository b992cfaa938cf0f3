package dev.duet.log.store;

import dev.duet.log.Sha256Hash;
import dev.duet.log.note.CheckpointSigner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * One SQLite file in WAL mode with {@code synchronous=FULL}: a committed transaction has been
 * fsynced, so whatever a {@link #write} returned is on disk. {@code secure_delete} is on, so SQLite
 * zeroes the space a deleted or shrunk row leaves in its page and the pages it frees; a write that
 * destroys a secret also empties the WAL before it returns ({@link Transaction#scrubAfterCommit}).
 *
 * <p>Writes are group-committed: callers hand their work to one committer thread, which runs every
 * waiting job in one transaction (each under its own savepoint, so a failing job rolls back alone),
 * commits with one fsync, and only then answers the callers. One writer also means each job sees
 * and extends the latest log head.
 *
 * <p>A checkpoint of the new head is signed for each batch that grew the log, on another thread
 * while the fsync runs, and is the latest before the callers are answered. It is not stored: a
 * checkpoint is the signer's statement of a size and root, both of which the file holds, so a
 * snapshot's is signed again when asked for ({@link #checkpointAt}), and a commit's is never
 * worth a page of its own.
 */
public final class SqliteStore implements AutoCloseable {
    private static final int MAX_BATCH = 1024;
    private static final int IDLE_READERS = 8;
    /** How long a scrub waits, in all, for readers of older snapshots (each attempt waits up to the busy timeout). */
    private static final long SCRUB_PATIENCE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    private final Jdbi jdbi;
    private final BlockingQueue<Job<?>> queue = new LinkedBlockingQueue<>();
    /** Read connections between reads; bounded, so a burst of readers leaves at most this many open. */
    private final BlockingQueue<Handle> idleReaders = new java.util.concurrent.ArrayBlockingQueue<>(IDLE_READERS);
    private final Thread committer;
    private volatile CheckpointSigner checkpointSigner;
    /** Signs each batch's checkpoint while the committer waits for the batch's fsync. */
    private final ExecutorService checkpointSigning = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "duet-log-checkpoint-signer");
        thread.setDaemon(true);
        return thread;
    });
    /** The checkpoint of the latest commit; null until the committer has signed one. */
    private volatile SignedCheckpoint latestCheckpoint;
    private volatile boolean closed;
    /** Held to queue a job and to close: no job is queued after the committer may have seen the queue empty and closed. */
    private final Object admission = new Object();
    private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();
    private volatile CommitListener commitListener = (size, appended, nanos) -> { };

    /**
     * Told of every commit on the committer thread, after the callers' writes are durable: it must be
     * quick and must not throw. If it throws, the writes still succeed and the latest checkpoint is withdrawn.
     */
    @FunctionalInterface
    public interface CommitListener {
        /** @param size the log's size after the commit; @param appended entries the commit added; @param nanos from the batch's start to its durable commit */
        void committed(long size, long appended, long nanos);
    }

    private SqliteStore(Jdbi jdbi) {
        this.jdbi = jdbi;
        this.committer = new Thread(this::commitLoop, "duet-log-committer");
        committer.setDaemon(true);
        committer.start();
    }

    /** Opens a file that holds the log alone ({@link SqliteAuditLog#SCHEMA}). */
    public static SqliteStore open(Path file) {
        return open(file, SqliteAuditLog.SCHEMA);
    }

    /**
     * Opens {@code file}, first bringing it to {@code schema}'s version ({@link Schema}).
     *
     * @throws Schema.NewerSchemaException if the file was written by a newer release
     */
    public static SqliteStore open(Path file, Schema schema) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        config.setPragma(SQLiteConfig.Pragma.SECURE_DELETE, "true");
        // The driver would otherwise prepare and run "SELECT last_insert_rowid()" after every INSERT; nothing here reads it.
        config.setGetGeneratedKeys(false);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        Jdbi jdbi = Jdbi.create(dataSource);
        schema.migrate(jdbi, file);
        SqliteStore store = new SqliteStore(jdbi);
        // Loads the committer's cursor now, which adds any missing tree nodes before the first read.
        store.write(tx -> null);
        return store;
    }

    /** A checkpoint note, the log size it signs and who signed it. */
    private record SignedCheckpoint(long size, CheckpointSigner signer, String note) {
        boolean signs(long size, CheckpointSigner signer) {
            return this.size == size && this.signer == signer;
        }
    }

    /** A caller's transaction work and where its outcome goes; each job runs under its own savepoint. */
    private record Job<T>(Transaction.Work<T, ?> work, CompletableFuture<T> outcome) {
        /**
         * Savepoints are the cursor's prepared SQL statements: jdbi's own bookkeeping forgets a savepoint once rolled back to.
         * Returns whether the job succeeded and asked for a scrub.
         */
        boolean runIn(Handle h, LogCursor cursor, List<Runnable> completions) {
            LogCursor.Mark mark = cursor.mark();
            Transaction tx = new Transaction(h, cursor);
            try {
                T result = work.run(tx);
                cursor.keep();
                completions.add(() -> outcome.complete(result));
                return tx.scrubRequested();
            } catch (Exception | Error e) {
                cursor.rollBack(mark);
                completions.add(() -> outcome.completeExceptionally(e));
                return false;
            } finally {
                tx.close();
            }
        }
    }

    /**
     * Runs {@code work} in a transaction; when this returns, the transaction is durable and, if the
     * log grew, {@link #latestCheckpoint} signs the new head, or is empty (if that signature failed,
     * or something after the commit did).
     * What {@code work} throws rolls back its changes alone and is thrown here as it was. Must not be
     * called from inside another write's work.
     */
    public <T, X extends Exception> T write(Transaction.Work<T, X> work) throws X {
        if (Thread.currentThread() == committer) {
            throw new IllegalStateException("a write cannot start another write");
        }
        Job<T> job = new Job<>(work, new CompletableFuture<>());
        // With close() on the same lock, a job is queued only while the committer will still look at the queue.
        synchronized (admission) {
            if (closed) {
                throw new IllegalStateException("store is closed");
            }
            queue.add(job);
        }
        try {
            // The job may already be committing when the caller is interrupted: its outcome is still the caller's to learn.
            return awaitThroughInterrupts(job.outcome());
        } catch (ExecutionException e) {
            throw SqliteStore.<X>rethrown(e.getCause());
        }
    }

    /** The outcome of {@code future}, waited for through interrupts, which are kept for the caller. */
    private static <T> T awaitThroughInterrupts(Future<T> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The failure of a job as its work threw it: unchecked as they are, and a checked one is the work's own {@code X}. */
    @SuppressWarnings("unchecked")
    private static <X extends Exception> X rethrown(Throwable failure) throws X {
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        // Work.run declares X, and nothing else checked can leave it.
        return (X) failure;
    }

    private void commitLoop() {
        Handle h = null;
        LogCursor cursor = null;
        long committedSize = 0;
        boolean scrubOwed = false;
        while (!closed || !queue.isEmpty()) {
            List<Job<?>> batch = new ArrayList<>();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            long started = System.nanoTime();
            List<Runnable> completions = new ArrayList<>(batch.size());
            List<CompletableFuture<?>> scrubbing = new ArrayList<>();
            boolean durable = false;
            try {
                if (h == null) {
                    // One connection for the committer's lifetime: opening one per batch costs more than the batch.
                    h = jdbi.open();
                    h.setTransactionIsolationLevel(TransactionIsolationLevel.SERIALIZABLE);
                }
                h.begin();
                if (cursor == null) {
                    cursor = LogCursor.load(h);
                    committedSize = cursor.size();
                }
                for (Job<?> job : batch) {
                    if (job.runIn(h, cursor, completions)) {
                        scrubbing.add(job.outcome());
                    }
                }
                long size = cursor.size();
                CheckpointSigner signer = checkpointSigner;
                Future<String> checkpoint = signing(signer, size, cursor);
                h.commit();
                durable = true;
                commits.incrementAndGet();
                long appended = size - committedSize;
                committedSize = size;
                cursor.committed();
                // Published before any caller of this batch learns its write is done, so no reader sees an older one after.
                publish(signer, size, checkpoint);
                commitListener.committed(size, appended, System.nanoTime() - started);
                if (!scrubbing.isEmpty() || scrubOwed) {
                    Optional<String> unfinished = scrub(h, scrubbing.isEmpty() ? 0 : SCRUB_PATIENCE_NANOS);
                    scrubOwed = unfinished.isPresent();
                    unfinished.ifPresent(why -> scrubbing.forEach(outcome -> outcome.completeExceptionally(new IllegalStateException(
                            "the change is committed, but the store could not yet scrub what it destroyed from its files: " + why))));
                }
            } catch (Throwable e) {
                // Whatever it is (a listener can throw a checked exception undeclared): the committer must not
                // die while callers wait. No checkpoint is the latest until a commit signs one again.
                latestCheckpoint = null;
                if (durable) {
                    // The batch is on disk: its callers learn their own outcomes, not a failure that came after the
                    // commit (a retry would append twice). A scrub it asked for is owed, and its callers told so.
                    scrubOwed = scrubOwed || !scrubbing.isEmpty();
                    scrubbing.forEach(outcome -> outcome.completeExceptionally(new IllegalStateException(
                            "the change is committed, but the store did not scrub what it destroyed from its files", e)));
                } else {
                    // Nothing of this batch is durable: every caller learns that, including those whose work ran.
                    batch.forEach(job -> job.outcome().completeExceptionally(e));
                }
                // What the cursor believes may not match the disk: start again from the store.
                if (cursor != null) {
                    cursor.close();
                    cursor = null;
                }
                h = discard(h);
                if (!durable) {
                    continue;
                }
            }
            completions.forEach(Runnable::run);
        }
        if (cursor != null) {
            cursor.close();
        }
        if (scrubOwed) {
            // A failed batch may have dropped the connection: the scrub it owes needs one.
            h = h != null ? h : openQuietly();
            if (h != null) {
                scrub(h, 0);
            }
        }
        discard(h);
        // Here, not in close(): a committer still finishing queued writes after close() stopped waiting signs them too.
        checkpointSigning.shutdown();
    }

    /**
     * Starts signing a checkpoint of the batch's tree, unless the latest one already signs it; the
     * signature is computed while the committer waits for the fsync. Null when none is needed.
     */
    private Future<String> signing(CheckpointSigner signer, long size, LogCursor cursor) {
        SignedCheckpoint latest = latestCheckpoint;
        if (signer == null || (latest != null && latest.signs(size, signer))) {
            return null;
        }
        Sha256Hash root = cursor.root();
        return checkpointSigning.submit(() -> SqliteAuditLog.checkpointNote(signer, size, root));
    }

    /**
     * Makes the committed batch's checkpoint the latest. If it could not be signed, no checkpoint
     * is the latest (a stale one would describe a smaller log as the current one); the batch is
     * durable all the same, readers sign their snapshot's ({@link #checkpointAt}) and the next
     * commit tries again.
     */
    private void publish(CheckpointSigner signer, long size, Future<String> checkpoint) {
        if (checkpoint == null) {
            return;
        }
        try {
            // close() interrupts the committer; one signature is worth waiting for.
            latestCheckpoint = new SignedCheckpoint(size, signer, awaitThroughInterrupts(checkpoint));
        } catch (ExecutionException e) {
            latestCheckpoint = null;
        }
    }

    /**
     * Checkpoints the whole WAL into the database file and truncates it. Each attempt waits up to the
     * busy timeout for readers of older snapshots; with {@code patienceNanos} it tries again until
     * then. Empty when the WAL was emptied, else why not.
     */
    private static Optional<String> scrub(Handle h, long patienceNanos) {
        long deadline = System.nanoTime() + patienceNanos;
        String why;
        do {
            try {
                int[] result = h.createQuery("PRAGMA wal_checkpoint(TRUNCATE)")
                        .map((rs, ctx) -> new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)}).one();
                if (result[0] == 0 && result[1] == result[2]) {
                    return Optional.empty();
                }
                why = "readers of an older snapshot kept the checkpoint busy (" + result[2] + " of " + result[1] + " WAL frames copied)";
            } catch (RuntimeException e) {
                why = "the checkpoint failed: " + e.getMessage();
            }
        } while (System.nanoTime() < deadline && pause());
        return Optional.of(why);
    }

    private static boolean pause() {
        try {
            Thread.sleep(10);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Handle openQuietly() {
        try {
            return jdbi.open();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Drops the committer's connection after a failure (a rollback happens on close), so the next batch starts clean. */
    private static Handle discard(Handle h) {
        if (h != null) {
            try {
                h.close();
            } catch (RuntimeException ignored) {
                // The connection is being abandoned because it failed; closing it can fail too.
            }
        }
        return null;
    }

    /**
     * Runs {@code work} on a consistent snapshot; what it throws is thrown here as it was. Readers
     * reuse idle connections: opening one (the file, its schema, the connection's pragmas) cost
     * more than the reads of a request (docs/performance.md). A connection goes back idle only once
     * its transaction has ended, so an idle one holds no snapshot, and never after an unchecked
     * failure, which may have come from the connection itself.
     */
    public <T, X extends Exception> T read(HandleCallback<T, X> work) throws X {
        Handle h = idleReaders.poll();
        if (h == null) {
            h = jdbi.open();
        }
        boolean reusable = true;
        try {
            return h.inTransaction(TransactionIsolationLevel.SERIALIZABLE, work);
        } catch (RuntimeException | Error e) {
            reusable = false;
            throw e;
        } finally {
            release(h, reusable);
        }
    }

    /** Keeps a read connection idle for the next read, or closes it; never throws over the read's own outcome. */
    private void release(Handle h, boolean reusable) {
        try {
            if (reusable && !closed && !h.isInTransaction() && idleReaders.offer(h)) {
                // close() may have emptied the idle connections between the check and the offer.
                if (closed && idleReaders.remove(h)) {
                    h.close();
                }
                return;
            }
        } catch (RuntimeException e) {
            // A connection that cannot say whether it is in a transaction is not reused.
        }
        try {
            h.close();
        } catch (RuntimeException e) {
            // Closing a broken connection fails too; it is dropped either way.
        }
    }

    /**
     * The latest signed checkpoint, from memory: the committer keeps the one it last committed, so
     * reading it costs no database work. Empty until a checkpoint was signed.
     */
    public Optional<String> latestCheckpoint() {
        return Optional.ofNullable(latestCheckpoint).map(SignedCheckpoint::note);
    }

    /**
     * The signed checkpoint of the log as the snapshot {@code h} reads it ({@link #read}): the latest
     * one when it is of that size (the committer is the only writer, so a size names one tree), else
     * one signed now of the snapshot's size and root. Empty when no signer was given.
     */
    public Optional<String> checkpointAt(Handle h) {
        if (Thread.currentThread() == committer) {
            // A write's handle sees its batch before the commit: a checkpoint of it could sign a tree that is rolled back.
            throw new IllegalStateException("a checkpoint is signed only of a committed snapshot, from a read");
        }
        CheckpointSigner signer = checkpointSigner;
        if (signer == null) {
            return Optional.empty();
        }
        long size = SqliteAuditLog.head(h).size();
        SignedCheckpoint latest = latestCheckpoint;
        if (latest != null && latest.signs(size, signer)) {
            return Optional.of(latest.note());
        }
        return Optional.of(SqliteAuditLog.checkpointNote(signer, size, SqliteAuditLog.treeRoot(h, size)));
    }

    /** From now on, every write that grows the log also signs a checkpoint; one of the current head is signed now. */
    public void signCheckpointsWith(CheckpointSigner signer) {
        checkpointSigner = signer;
        latestCheckpoint = null;
        write(tx -> null);
    }

    /** From now on {@code listener} is told of each commit; it learns the log's current size at once, from an empty commit. */
    public void onCommit(CommitListener listener) {
        commitListener = listener;
        write(tx -> null);
    }

    /** How many transactions the committer has committed (each is one fsync). */
    public long commits() {
        return commits.get();
    }

    public String journalMode() {
        return read(h -> h.createQuery("PRAGMA journal_mode").mapTo(String.class).one());
    }

    /** Lets queued writes finish, then stops the committer. */
    @Override
    public void close() {
        synchronized (admission) {
            closed = true;
        }
        committer.interrupt();
        try {
            committer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Handle h = idleReaders.poll(); h != null; h = idleReaders.poll()) {
            h.close();
        }
    }
}
