package dev.duet.log.store;

import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * One SQLite file in WAL mode with {@code synchronous=FULL}: a committed transaction has been
 * fsynced, so whatever a {@link #write} returned is on disk. Writes are serialised here (SQLite has
 * one writer anyway) so that a write transaction sees and extends the latest log head.
 */
public final class SqliteStore {
    private final Jdbi jdbi;
    private final ReentrantLock writeLock = new ReentrantLock(true);
    private volatile CheckpointSigner checkpointSigner;

    private SqliteStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public static SqliteStore open(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        SqliteStore store = new SqliteStore(Jdbi.create(dataSource));
        store.write(SqliteAuditLog::createSchema);
        return store;
    }

    /**
     * Runs {@code work} in one transaction; when this returns, the transaction is durable. If the
     * work appended to the log, a checkpoint of the new head is signed in the same transaction.
     */
    public <T> T write(HandleCallback<T, RuntimeException> work) {
        writeLock.lock();
        try {
            return jdbi.inTransaction(TransactionIsolationLevel.SERIALIZABLE, h -> {
                T result = work.withHandle(h);
                CheckpointSigner signer = checkpointSigner;
                if (signer != null && SqliteAuditLog.checkpointSize(h) != SqliteAuditLog.head(h).size()) {
                    SqliteAuditLog.signCheckpoint(h, signer);
                }
                return result;
            });
        } finally {
            writeLock.unlock();
        }
    }

    /** From now on, every write that grows the log also signs a checkpoint; a stale one is replaced now. */
    public void signCheckpointsWith(CheckpointSigner signer) {
        checkpointSigner = signer;
        write(h -> null);
    }

    /** Runs {@code work} on a consistent snapshot. */
    public <T> T read(HandleCallback<T, RuntimeException> work) {
        return jdbi.inTransaction(TransactionIsolationLevel.SERIALIZABLE, work);
    }

    public String journalMode() {
        return read(h -> h.createQuery("PRAGMA journal_mode").mapTo(String.class).one());
    }
}
