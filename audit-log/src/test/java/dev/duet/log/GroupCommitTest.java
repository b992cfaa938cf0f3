package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path dir;

    /** The checkpoint served from memory is, whenever a write has returned, the one on disk; a reopened store has it too. */
    @Test
    void theCheckpointInMemoryIsTheLatestCommittedOne() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            assertThat(store.latestCheckpoint()).as("nothing signed yet").isEmpty();
            store.signCheckpointsWith(StoredTreeTest.signer("duet.test/log"));
            for (int i = 0; i < 5; i++) {
                int n = i;
                store.write(tx -> tx.append(EntryDraft.of("s", "a", "k", MAPPER.createObjectNode().put("i", n)), Instant.now()));
                assertThat(store.latestCheckpoint()).isEqualTo(store.read(SqliteAuditLog::checkpoint));
                assertThat(store.latestCheckpoint().orElseThrow()).contains("\n" + (n + 1) + "\n");
            }
        }
        try (SqliteStore reopened = SqliteStore.open(dir.resolve("log.db"))) {
            assertThat(reopened.latestCheckpoint()).isPresent().isEqualTo(reopened.read(SqliteAuditLog::checkpoint));
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
            Checkpoint checkpoint = Checkpoint.open(store.read(SqliteAuditLog::checkpoint).orElseThrow(), signer.verifierKey(), "duet.test/log");
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
