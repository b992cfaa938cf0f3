package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret destroyed by a write that asks for a scrub is in no file of the store when the write
 * returns: not in the database file, not in the WAL, not in the shared-memory index. Files are read
 * while the store is still open, as a process kill would leave them.
 */
class ScrubTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path dir;
    private SqliteStore store;
    private byte[] secret;

    @BeforeEach
    void storeWithASecret() throws Exception {
        store = SqliteStore.open(dir.resolve("log.db"));
        secret = new byte[48];
        new SecureRandom().nextBytes(secret);
        store.write(tx -> tx.handle().execute("CREATE TABLE vault (id INTEGER PRIMARY KEY, name TEXT NOT NULL, secret BLOB)"));
        store.write(tx -> tx.handle().execute("INSERT INTO vault (id, name, secret) VALUES (1, 'a', ?)", (Object) secret));
        // Later changes to the same page and the log: the secret's page now has several images in the WAL.
        for (int i = 0; i < 20; i++) {
            int n = i;
            store.write(tx -> {
                tx.handle().execute("UPDATE vault SET name = ? WHERE id = 1", "name-" + n);
                return tx.append(EntryDraft.of("s", "test", "k", MAPPER.createObjectNode().put("n", n)), Instant.now());
            });
        }
        assertThat(filesHolding(secret)).isNotEmpty();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static final String ERASE = "UPDATE vault SET secret = NULL WHERE id = 1";
    private static final String DELETE = "DELETE FROM vault WHERE id = 1";

    private Void destroy(Transaction tx, boolean scrub) {
        return destroy(tx, ERASE, scrub);
    }

    private Void destroy(Transaction tx, String statement, boolean scrub) {
        tx.handle().execute(statement);
        if (scrub) {
            tx.scrubAfterCommit();
        }
        return null;
    }

    @Test
    void aScrubbedSecretIsInNoFileWhenTheWriteReturns() throws Exception {
        store.write(tx -> destroy(tx, true));
        assertThat(filesHolding(secret)).isEmpty();
        assertThat(Files.size(dir.resolve("log.db-wal"))).isZero();
        String name = store.read(h -> h.createQuery("SELECT name FROM vault WHERE id = 1").mapTo(String.class).one());
        assertThat(name).isEqualTo("name-19");
    }

    /** Idle read connections, kept between reads, hold no snapshot: they neither delay nor defeat the scrub. */
    @Test
    void idleReadConnectionsDoNotHoldBackTheScrub() throws Exception {
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(8);
        List<java.util.concurrent.Future<String>> reads = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            reads.add(readers.submit(() -> store.read(h -> {
                together.await();
                return h.createQuery("SELECT name FROM vault WHERE id = 1").mapTo(String.class).one();
            })));
        }
        for (java.util.concurrent.Future<String> read : reads) {
            assertThat(read.get()).isEqualTo("name-19");
        }
        readers.shutdown();
        long started = System.nanoTime();
        store.write(tx -> destroy(tx, true));
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
        assertThat(filesHolding(secret)).isEmpty();
        assertThat(Files.size(dir.resolve("log.db-wal"))).isZero();
    }

    /** Why the scrub exists: the row no longer holds the secret, but older page images in the WAL still do. */
    @Test
    void withoutTheScrubTheWalStillHoldsTheSecret() throws Exception {
        store.write(tx -> destroy(tx, false));
        assertThat(filesHolding(secret)).contains("log.db-wal");
    }

    @Test
    void aDeletedRowIsScrubbedToo() throws Exception {
        store.write(tx -> destroy(tx, DELETE, true));
        assertThat(filesHolding(secret)).isEmpty();
    }

    /**
     * Why secure_delete is on: the checkpoint copies each page's newest image, and without it a deleted
     * row's bytes stay in that image as free space.
     */
    @Test
    void withoutSecureDeleteTheCheckpointCopiesTheFreedBytesIntoTheDatabase() throws Exception {
        int secureDelete = store.write(tx -> tx.handle().createQuery("PRAGMA secure_delete").mapTo(Integer.class).one());
        assertThat(secureDelete).isEqualTo(1);
        store.write(tx -> tx.handle().execute("PRAGMA secure_delete = OFF"));
        store.write(tx -> destroy(tx, DELETE, true));
        assertThat(filesHolding(secret)).containsExactly("log.db");
    }

    /** A reader of an older snapshot can still see the secret; the scrub waits until it is done, then finishes. */
    @Test
    void theScrubWaitsForAReaderOfAnOlderSnapshot() throws Exception {
        try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("log.db"))) {
            reader.setAutoCommit(false);
            try (Statement st = reader.createStatement(); ResultSet rs = st.executeQuery("SELECT secret FROM vault WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBytes(1)).isEqualTo(secret);
            }
            CompletableFuture<Void> destroyed = CompletableFuture.runAsync(() -> store.write(tx -> destroy(tx, true)));
            Thread.sleep(1000);
            assertThat(destroyed).as("the scrub must wait for the reader").isNotDone();
            reader.commit();
            destroyed.get(30, TimeUnit.SECONDS);
        }
        assertThat(filesHolding(secret)).isEmpty();
    }

    @Test
    void aTransactionThatOutlivesItsJobCanNeitherScrubNorAppend() {
        Transaction[] escaped = new Transaction[1];
        store.write(tx -> escaped[0] = tx);
        assertThatThrownBy(escaped[0]::scrubAfterCommit).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> escaped[0].append(EntryDraft.of("s", "test", "late", MAPPER.createObjectNode()), Instant.now()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(escaped[0]::handle).isInstanceOf(IllegalStateException.class);
    }

    /** The names of the store's files (database, WAL, shared memory, journal, anything) that hold {@code needle}. */
    private List<String> filesHolding(byte[] needle) throws Exception {
        List<String> holding = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                byte[] bytes = Files.readAllBytes(file);
                outer:
                for (int i = 0; i + needle.length <= bytes.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (bytes[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    holding.add(file.getFileName().toString());
                    break;
                }
            }
        }
        return holding;
    }
}
