package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path dir;

    /**
     * Whenever a write has returned, the checkpoint served from memory signs what is on disk, and is
     * the same note a reader signs for its snapshot; a reopened store signs the same note again.
     */
    @Test
    void theCheckpointInMemoryIsTheLatestCommittedOne() throws Exception {
        CheckpointSigner signer = StoredTreeTest.signer("duet.test/log");
        String last;
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            assertThat(store.latestCheckpoint()).as("nothing signed yet").isEmpty();
            assertThat(store.read(store::checkpointAt)).as("no signer yet").isEmpty();
            store.signCheckpointsWith(signer);
            assertThat(Checkpoint.open(store.latestCheckpoint().orElseThrow(), signer.verifierKey(), "duet.test/log").size()).isZero();
            for (int i = 0; i < 5; i++) {
                int n = i;
                store.write(tx -> tx.append(EntryDraft.of("s", "a", "k", MAPPER.createObjectNode().put("i", n)), Instant.now()));
                Checkpoint checkpoint = Checkpoint.open(store.latestCheckpoint().orElseThrow(), signer.verifierKey(), "duet.test/log");
                assertThat(checkpoint.size()).isEqualTo(n + 1);
                assertThat(checkpoint.root()).isEqualTo(store.read(h -> SqliteAuditLog.treeRoot(h, n + 1)));
                assertThat(store.read(store::checkpointAt)).isEqualTo(store.latestCheckpoint());
            }
            last = store.latestCheckpoint().orElseThrow();
        }
        try (SqliteStore reopened = SqliteStore.open(dir.resolve("log.db"))) {
            reopened.signCheckpointsWith(signer);
            assertThat(reopened.latestCheckpoint()).hasValue(last);
        }
    }

    /**
     * A checkpoint that cannot be signed leaves the write durable and no checkpoint as the latest (not
     * the older one, which would present a smaller log as current); the next commit signs again.
     */
    @Test
    void aCheckpointThatCannotBeSignedLeavesNoneAsTheLatestAndTheWriteDurable() throws Exception {
        CheckpointSigner working = StoredTreeTest.signer("duet.test/log");
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        CheckpointSigner flaky = new WrappedSigner(working, () -> {
            if (broken.get()) {
                throw new IllegalStateException("the signing key is gone");
            }
        });
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.signCheckpointsWith(flaky);
            appendOne(store);
            assertThat(store.latestCheckpoint()).isPresent();
            broken.set(true);
            appendOne(store);
            assertThat(store.latestCheckpoint()).isEmpty();
            long size = store.read(h -> SqliteAuditLog.head(h).size());
            assertThat(size).as("the entry is committed").isEqualTo(2);
            broken.set(false);
            appendOne(store);
            assertThat(Checkpoint.open(store.latestCheckpoint().orElseThrow(), working.verifierKey(), "duet.test/log").size()).isEqualTo(3);
        }
    }

    /**
     * Something that fails after the commit (here the commit listener, which must not throw) does
     * not turn durable writes into failures: a caller told that its append failed would append it
     * again. The checkpoint published before the failure is withdrawn, a scrub the batch asked for is
     * reported as not done and done by the next commit, and the store goes on. A checked exception
     * the listener throws undeclared is no different: it used to end the committer, and every write
     * after it waited forever.
     */
    @Test
    void aFailureAfterTheCommitLeavesTheWritesReturnedAndNothingAppendedTwice() throws Exception {
        CheckpointSigner signer = StoredTreeTest.signer("duet.test/log");
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.signCheckpointsWith(signer);
            store.onCommit((size, appended, nanos) -> {
                Throwable t = failure.get();
                if (t != null) {
                    GroupCommitTest.<RuntimeException>throwUndeclared(t);
                }
            });
            LogEntry previous = appendOne(store);
            for (Throwable t : List.of(new IllegalStateException("the listener broke"), new java.io.IOException("undeclared"))) {
                failure.set(t);
                LogEntry entry = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> appendOne(store));
                assertThat(entry.seq()).isEqualTo(previous.seq() + 1);
                assertThat(entry.prev()).isEqualTo(EntryCodec.hash(previous));
                assertThat(store.latestCheckpoint()).as("withdrawn: it was published before the failure").isEmpty();
                assertThatThrownBy(() -> store.write(tx -> {
                    tx.scrubAfterCommit();
                    return tx.append(EntryDraft.of("s", "a", "k", MAPPER.createObjectNode()), Instant.now());
                })).isInstanceOf(IllegalStateException.class).hasMessageContaining("committed, but the store did not scrub");
                failure.set(null);
                previous = appendOne(store);
                assertThat(previous.seq()).as("each append once, the scrubbed one included").isEqualTo(entry.seq() + 2);
                assertThat(Files.size(dir.resolve("log.db-wal"))).as("the owed scrub, done by the next commit").isZero();
                assertThat(Checkpoint.open(store.latestCheckpoint().orElseThrow(), signer.verifierKey(), "duet.test/log").size())
                        .isEqualTo(previous.seq() + 1);
            }
            long size = store.read(h -> SqliteAuditLog.head(h).size());
            assertThat(size).isEqualTo(previous.seq() + 1);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void throwUndeclared(Throwable t) throws T {
        throw (T) t;
    }

    /**
     * Reads reuse idle connections: each read still sees every write returned before it, and a read
     * whose work throws (checked or not) leaves the next one working.
     */
    @Test
    void readsOnReusedConnectionsSeeEachWriteAndSurviveFailedReads() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            for (int i = 0; i < 20; i++) {
                appendOne(store);
                long size = store.read(h -> SqliteAuditLog.head(h).size());
                assertThat(size).isEqualTo(i + 1);
                if (i % 3 == 0) {
                    assertThatThrownBy(() -> store.read(h -> {
                        SqliteAuditLog.head(h);
                        throw new java.io.IOException("the reader's own failure");
                    })).isInstanceOf(java.io.IOException.class);
                } else if (i % 3 == 1) {
                    assertThatThrownBy(() -> store.read(h -> h.createQuery("SELECT nothing FROM nowhere").mapTo(Long.class).one()))
                            .hasMessageContaining("nowhere");
                }
            }
        }
    }

    /** However long the signature takes, a write returns only once the latest checkpoint covers it. */
    @Test
    void aWriteReturnsOnlyOnceTheLatestCheckpointCoversIt() throws Exception {
        CheckpointSigner fast = StoredTreeTest.signer("duet.test/log");
        CheckpointSigner slow = WrappedSigner.slow(fast, 200);
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.signCheckpointsWith(slow);
            for (int i = 1; i <= 3; i++) {
                appendOne(store);
                assertThat(Checkpoint.open(store.latestCheckpoint().orElseThrow(), fast.verifierKey(), "duet.test/log").size()).isEqualTo(i);
            }
        }
    }

    /** Writes still queued when close() stops waiting for them are committed and signed all the same. */
    @Test
    void writesQueuedAtCloseAreCommittedAndSigned() throws Exception {
        CheckpointSigner fast = StoredTreeTest.signer("duet.test/log");
        SqliteStore store = SqliteStore.open(dir.resolve("log.db"));
        store.signCheckpointsWith(WrappedSigner.slow(fast, 50));
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            writes.add(writers.submit(() -> appendOne(store)));
        }
        Thread.sleep(20);
        store.close();
        int committed = 0;
        for (Future<?> write : writes) {
            try {
                write.get(30, TimeUnit.SECONDS);
                committed++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).as("only a write after close() is refused").hasMessage("store is closed");
            }
        }
        writers.shutdown();
        assertThat(committed).isPositive();
        assertThat(Checkpoint.open(store.latestCheckpoint().orElseThrow(), fast.verifierKey(), "duet.test/log").size()).isEqualTo(committed);
        try (SqliteStore reopened = SqliteStore.open(dir.resolve("log.db"))) {
            long size = reopened.read(h -> SqliteAuditLog.head(h).size());
            assertThat(size).isEqualTo(committed);
        }
    }

    /**
     * Writes racing close() each commit or are refused as closed, none waits, and the reopened log holds
     * exactly the writes that returned. The narrowest interleaving (a write between its closed check and
     * queuing its job as the committer stops) is excluded by the store's admission lock, not caught here:
     * it needs a preemption between two instructions, which these rounds did not produce before the lock.
     */
    @Test
    void aWriteRacingCloseIsCommittedOrRefusedNeverLeftWaiting() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 50; round++) {
                SqliteStore store = SqliteStore.open(dir.resolve("race-" + round + ".db"));
                List<Future<Integer>> loops = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    loops.add(writers.submit(() -> {
                        int committed = 0;
                        while (true) {
                            try {
                                appendOne(store);
                                committed++;
                            } catch (IllegalStateException e) {
                                assertThat(e).hasMessage("store is closed");
                                return committed;
                            }
                        }
                    }));
                }
                try {
                    Thread.sleep(round % 5);
                } finally {
                    store.close();
                }
                long committed = 0;
                for (Future<Integer> loop : loops) {
                    committed += loop.get(10, TimeUnit.SECONDS);
                }
                try (SqliteStore reopened = SqliteStore.open(dir.resolve("race-" + round + ".db"))) {
                    long size = reopened.read(h -> SqliteAuditLog.head(h).size());
                    assertThat(size).as("round %d: every write that returned, and no other", round).isEqualTo(committed);
                }
            }
        } finally {
            writers.shutdownNow();
        }
    }

    /** Appends one entry with an empty payload; returns once it is durable. */
    private static LogEntry appendOne(SqliteStore store) {
        return store.write(tx -> tx.append(EntryDraft.of("s", "a", "k", MAPPER.createObjectNode()), Instant.now()));
    }

    /** Signs as {@code inner} does, after {@code before} ran (which may throw instead). */
    private record WrappedSigner(CheckpointSigner inner, Runnable before) implements CheckpointSigner {
        static WrappedSigner slow(CheckpointSigner inner, long millis) {
            return new WrappedSigner(inner, () -> {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        @Override
        public String origin() {
            return inner.origin();
        }

        @Override
        public dev.duet.log.note.NoteVerifierKey verifierKey() {
            return inner.verifierKey();
        }

        @Override
        public byte[] sign(byte[] message) {
            before.run();
            return inner.sign(message);
        }
    }

    /** A reader of a snapshot older than the latest commit gets that snapshot's checkpoint, not the latest one. */
    @Test
    void aSnapshotReaderGetsTheCheckpointOfItsSnapshot() throws Exception {
        CheckpointSigner signer = StoredTreeTest.signer("duet.test/log");
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.signCheckpointsWith(signer);
            appendOne(store);
            CountDownLatch reading = new CountDownLatch(1);
            CountDownLatch written = new CountDownLatch(1);
            ExecutorService reader = Executors.newSingleThreadExecutor();
            Future<String> seen = reader.submit(() -> store.read(h -> {
                SqliteAuditLog.head(h);
                reading.countDown();
                assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
                return store.checkpointAt(h).orElseThrow();
            }));
            assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
            appendOne(store);
            written.countDown();
            Checkpoint older = Checkpoint.open(seen.get(30, TimeUnit.SECONDS), signer.verifierKey(), "duet.test/log");
            reader.shutdown();
            assertThat(older.size()).isEqualTo(1);
            assertThat(older.root()).isEqualTo(store.read(h -> SqliteAuditLog.treeRoot(h, 1)));
            assertThat(Checkpoint.open(store.latestCheckpoint().orElseThrow(), signer.verifierKey(), "duet.test/log").size()).isEqualTo(2);
        }
    }

    @Test
    void concurrentWritersAreBatchedAndEveryAcknowledgedAppendIsThere() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            CheckpointSigner signer = StoredTreeTest.signer("duet.test/log");
            store.signCheckpointsWith(signer);
            long commitsBefore = store.commits();
            int writers = 64;
            int each = 30;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<Long> acked = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        int n = i;
                        acked.add(store.write(tx -> tx.append(EntryDraft.of("w" + writer, "a", "k",
                                MAPPER.createObjectNode().put("w", writer).put("i", n)), Instant.now())).seq());
                    }
                    return acked;
                }));
            }
            start.countDown();
            Set<Long> acked = new HashSet<>();
            for (Future<List<Long>> f : futures) {
                acked.addAll(f.get());
            }
            pool.shutdown();
            assertThat(acked).hasSize(writers * each);
            long commits = store.commits() - commitsBefore;
            assertThat(commits).as("transactions for %d appends", writers * each).isLessThan(writers * each);

            List<byte[]> bodies = store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE));
            assertThat(bodies).hasSize(writers * each);
            assertThat(ChainVerifier.verifyLog(bodies)).isInstanceOf(ChainVerdict.Intact.class);
            Checkpoint checkpoint = Checkpoint.open(store.latestCheckpoint().orElseThrow(), signer.verifierKey(), "duet.test/log");
            assertThat(checkpoint.size()).isEqualTo(bodies.size());
            assertThat(checkpoint.root()).isEqualTo(MerkleProofs.over(bodies.stream().map(MerkleHashes::leaf).toList()).root(0, bodies.size()));
        }
    }

    @Test
    void aJobThatFailsRollsBackAloneAndItsBatchmatesCommit() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                futures.add(pool.submit(() -> store.write(tx -> {
                    tx.append(EntryDraft.of("s" + (n % 4), "a", "k", MAPPER.createObjectNode().put("i", n)), Instant.now());
                    tx.append(EntryDraft.of(null, "a", "k2", MAPPER.createObjectNode().put("i", n)), Instant.now());
                    if (n % 7 == 0) {
                        throw new IllegalArgumentException("job " + n + " refuses");
                    }
                    return n;
                })));
            }
            int failed = 0;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(IllegalArgumentException.class);
                    failed++;
                }
            }
            pool.shutdown();
            assertThat(failed).isEqualTo(29);
            List<byte[]> bodies = store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE));
            assertThat(bodies).hasSize(2 * (200 - 29));
            assertThat(ChainVerifier.verifyLog(bodies)).isInstanceOf(ChainVerdict.Intact.class);
            Sha256Hash storedRoot = store.read(h -> SqliteAuditLog.treeRoot(h, bodies.size()));
            assertThat(storedRoot).isEqualTo(MerkleProofs.over(bodies.stream().map(MerkleHashes::leaf).toList()).root(0, bodies.size()));
            store.write(tx -> tx.append(EntryDraft.of("s1", "a", "after", MAPPER.createObjectNode()), Instant.now()));
            List<byte[]> after = store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE));
            assertThat(ChainVerifier.verifyLog(after)).isInstanceOf(ChainVerdict.Intact.class);
            assertThat(bodies.stream().map(String::new).noneMatch(b -> b.contains("\"i\":7}"))).isTrue();
            assertThatThrownBy(() -> store.write(tx -> store.write(x -> null))).isInstanceOf(IllegalStateException.class);
        }
    }

    /** A checked failure, as the controller's refusals are. */
    static final class Refused extends Exception {
        Refused() {
            super("refused");
        }
    }

    @Test
    void aCheckedFailureRollsBackItsJobAloneAndReachesTheCallerAsThrown() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            store.write(tx -> tx.append(EntryDraft.of("s", "a", "kept", MAPPER.createObjectNode()), Instant.now()));
            assertThatThrownBy(() -> store.write(tx -> {
                tx.append(EntryDraft.of("s", "a", "rolled-back", MAPPER.createObjectNode()), Instant.now());
                throw new Refused();
            })).isExactlyInstanceOf(Refused.class).hasNoCause();
            LogEntry next = store.write(tx -> tx.append(EntryDraft.of("s", "a", "next", MAPPER.createObjectNode()), Instant.now()));
            List<byte[]> bodies = store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE));
            assertThat(bodies).hasSize(2);
            assertThat(next.seq()).isEqualTo(1);
            assertThat(ChainVerifier.verifyLog(bodies)).isInstanceOf(ChainVerdict.Intact.class);
        }
    }
}
