package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.merkle.ProofVerifier;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Merkle tree kept in SQLite equals the reference tree over the stored entry bytes. */
class StoredTreeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path dir;

    static CheckpointSigner signer(String origin) throws Exception {
        return TestSigners.checkpointSigner(origin, KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    }

    private static void append(SqliteStore store, int i) {
        store.write(tx -> tx.append(EntryDraft.of(i % 3 == 0 ? null : "cvm-" + (i % 2), "a", "k",
                MAPPER.createObjectNode().put("i", i)), Instant.now()));
    }

    private static List<Sha256Hash> leafHashes(SqliteStore store) {
        return store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE)).stream().map(MerkleHashes::leaf).toList();
    }

    @Test
    void rootsAndProofsFromStorageEqualTheReferenceForEverySizeAndCheckpointsFollowEachWrite() throws Exception {
        SqliteStore store = SqliteStore.open(dir.resolve("log.db"));
        CheckpointSigner signer = signer("duet.test/log");
        store.signCheckpointsWith(signer);
        for (int i = 0; i < 40; i++) {
            append(store, i);
            long size = i + 1;
            Checkpoint checkpoint = Checkpoint.open(store.latestCheckpoint().orElseThrow(), signer.verifierKey(), "duet.test/log");
            assertThat(checkpoint.size()).isEqualTo(size);
            assertThat(checkpoint.root()).isEqualTo(MerkleProofs.over(leafHashes(store)).root(0, size));
        }
        List<Sha256Hash> leaves = leafHashes(store);
        MerkleProofs reference = MerkleProofs.over(leaves);
        for (long n = 1; n <= 40; n++) {
            long size = n;
            Sha256Hash root = store.read(h -> SqliteAuditLog.treeRoot(h, size));
            assertThat(root).isEqualTo(reference.root(0, size));
            for (long i = 0; i < size; i++) {
                long index = i;
                List<Sha256Hash> path = store.read(h -> SqliteAuditLog.tree(h).inclusion(index, size));
                assertThat(path).isEqualTo(reference.inclusion(index, size));
                assertThat(ProofVerifier.verifyInclusion(index, size, leaves.get((int) index), path, root).holds()).isTrue();
            }
            for (long m = 0; m <= size; m++) {
                long first = m;
                List<Sha256Hash> proof = store.read(h -> SqliteAuditLog.tree(h).consistency(first, size));
                assertThat(proof).isEqualTo(reference.consistency(first, size));
            }
        }
    }

    @Test
    void aStoreWithoutTreeNodesIsBackfilledOnOpen() throws Exception {
        Path file = dir.resolve("old.db");
        SqliteStore store = SqliteStore.open(file);
        for (int i = 0; i < 13; i++) {
            append(store, i);
        }
        Sha256Hash before = store.read(h -> SqliteAuditLog.treeRoot(h, 13));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            c.createStatement().executeUpdate("DELETE FROM merkle_tree");
        }
        SqliteStore reopened = SqliteStore.open(file);
        Sha256Hash after = reopened.read(h -> SqliteAuditLog.treeRoot(h, 13));
        assertThat(after).isEqualTo(before);
    }

    /** A tree that does not end where the stored entries do is refused on opening, not trusted for roots and appends. */
    @Test
    void aTreeThatDoesNotMatchTheEntriesIsRefusedOnOpen() throws Exception {
        Path longer = thirteenEntriesThen("longer.db", "DELETE FROM log_entries WHERE seq = 12");
        assertThatThrownBy(() -> SqliteStore.open(longer)).hasMessageContaining("the stored tree has 13 leaves, the log only 12 entries");

        Path changed = thirteenEntriesThen("changed.db", "UPDATE merkle_tree SET hash = zeroblob(32) WHERE pos = (SELECT MAX(pos) FROM merkle_tree)");
        assertThatThrownBy(() -> SqliteStore.open(changed)).hasMessageContaining("leaf 12 is not the hash of that entry");
    }

    /** A closed store of 13 appended entries, then {@code tampering} run on its file behind the store's back. */
    private Path thirteenEntriesThen(String name, String tampering) throws Exception {
        Path file = dir.resolve(name);
        try (SqliteStore store = SqliteStore.open(file)) {
            for (int i = 0; i < 13; i++) {
                append(store, i);
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            c.createStatement().executeUpdate(tampering);
        }
        return file;
    }
}
