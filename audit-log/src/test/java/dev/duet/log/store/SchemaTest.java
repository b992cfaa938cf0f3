package dev.duet.log.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.EntryDraft;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.PostOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema versions on real SQLite files: a new file is brought to the schema's version and a later
 * step is applied to a file at an earlier version, a file newer than the code is refused before
 * anything is written, and a step that fails leaves the file at the version before it, with
 * nothing of the step applied.
 */
class SchemaTest {
    @TempDir Path dir;

    private static Jdbi db(Path file) {
        return Jdbi.create("jdbc:sqlite:" + file);
    }

    private static int version(Path file) {
        return db(file).withHandle(Schema::versionOf);
    }

    @Test
    void aNewFileGetsTheSchemasVersionAndALaterStepIsAppliedOnce() {
        Path file = dir.resolve("log.db");
        SqliteStore.open(file).close();
        assertThat(version(file)).isEqualTo(SqliteAuditLog.SCHEMA.version()).isEqualTo(3);

        Schema four = SqliteAuditLog.SCHEMA.then(new Schema.Step(List.of("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra VALUES (7)")));
        SqliteStore.open(file, four).close();
        SqliteStore.open(file, four).close();
        assertThat(version(file)).isEqualTo(4);
        List<Integer> rows = db(file).withHandle(h -> h.createQuery("SELECT x FROM extra").mapTo(Integer.class).list());
        assertThat(rows).containsExactly(7);
    }

    @Test
    void aFileNewerThanTheCodeIsRefused() {
        Path file = dir.resolve("log.db");
        SqliteStore.open(file).close();
        db(file).useHandle(h -> h.execute("PRAGMA user_version = 9"));
        assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(Schema.NewerSchemaException.class)
                .hasMessageContaining("schema version 9, newer than this release knows (3)");
        assertThat(version(file)).isEqualTo(9);
    }

    @Test
    void aFailingStepLeavesTheFileAtTheVersionBefore() {
        Path file = dir.resolve("log.db");
        SqliteStore.open(file).close();
        Schema broken = SqliteAuditLog.SCHEMA.then(new Schema.Step(List.of("CREATE TABLE half (x INTEGER)", "INSERT INTO nowhere VALUES (1)")));
        assertThatThrownBy(() -> SqliteStore.open(file, broken)).hasMessageContaining("nowhere");
        assertThat(version(file)).isEqualTo(3);
        int half = db(file).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").mapTo(Integer.class).one());
        assertThat(half).isZero();
    }

    /** Version 2 drops the stored checkpoint of a version-1 file, and leaves its entries as they were (version 3 follows). */
    @Test
    void aVersionOneFileLosesItsStoredCheckpointAndKeepsItsEntries() {
        Path file = dir.resolve("log.db");
        new Schema(List.of(Schema.Step.of(SqliteAuditLog.SCHEMA_1))).migrate(db(file), file);
        db(file).useHandle(h -> {
            h.execute("INSERT INTO log_entries(seq, subject, hash, body) VALUES (0, NULL, zeroblob(32), X'7B7D')");
            h.execute("INSERT INTO checkpoint(id, size, note) VALUES (1, 1, 'an old note')");
        });
        assertThat(version(file)).isEqualTo(1);
        SqliteStore.open(file).close();
        assertThat(version(file)).isEqualTo(3);
        int checkpointTables = db(file).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'checkpoint'")
                .mapTo(Integer.class).one());
        assertThat(checkpointTables).isZero();
        byte[] body = db(file).withHandle(h -> h.createQuery("SELECT body FROM log_entries").mapTo(byte[].class).one());
        assertThat(body).isEqualTo(new byte[] {'{', '}'});
    }

    /**
     * Version 3 moves a version-2 file's tree nodes, stored by level and index, to their positions in
     * post order: the migration's SQL puts every node where this code's {@link PostOrder}
     * puts it when it appends the same entries (1,000 of them: every level up to 9), and roots and proofs
     * read from the moved nodes are those of the entries' bytes.
     */
    @Test
    void aVersionTwoFilesTreeIsMovedToPostOrderPositions() {
        Path appended = dir.resolve("appended.db");
        try (SqliteStore store = SqliteStore.open(appended)) {
            for (int i = 0; i < 1000; i++) {
                int n = i;
                store.write(tx -> tx.append(EntryDraft.of("s" + n % 3, "a", "k",
                        new ObjectMapper().createObjectNode().put("i", n)), Instant.now()));
            }
        }
        List<byte[]> bodies = db(appended).withHandle(h -> SqliteAuditLog.encodedRange(h, 0, 1000));

        Path old = dir.resolve("old.db");
        new Schema(List.of(Schema.Step.of(SqliteAuditLog.SCHEMA_1), Schema.Step.of(SqliteAuditLog.SCHEMA_2))).migrate(db(old), old);
        db(old).useHandle(h -> {
            h.execute("ATTACH DATABASE ? AS appended", appended.toString());
            h.execute("INSERT INTO log_entries SELECT * FROM appended.log_entries");
            h.execute("DETACH DATABASE appended");
            MerkleFrontier tree = new MerkleFrontier();
            for (byte[] body : bodies) {
                tree.append(MerkleHashes.leaf(body), (level, index, hash) ->
                        h.execute("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)", level, index, hash.toByteArray()));
            }
        });
        assertThat(version(old)).isEqualTo(2);

        SqliteStore.open(old).close();
        assertThat(version(old)).isEqualTo(3);
        String nodes = "SELECT pos, hex(hash) FROM merkle_tree ORDER BY pos";
        List<String> moved = db(old).withHandle(h -> h.createQuery(nodes).map((rs, ctx) -> rs.getLong(1) + ":" + rs.getString(2)).list());
        List<String> placed = db(appended).withHandle(h -> h.createQuery(nodes).map((rs, ctx) -> rs.getLong(1) + ":" + rs.getString(2)).list());
        assertThat(moved).hasSize((int) PostOrder.nodes(1000)).isEqualTo(placed);
        int oldTables = db(old).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'merkle_nodes'")
                .mapTo(Integer.class).one());
        assertThat(oldTables).isZero();

        MerkleFrontier expected = new MerkleFrontier();
        try (SqliteStore store = SqliteStore.open(old)) {
            for (int size = 1; size <= 1000; size++) {
                expected.append(MerkleHashes.leaf(bodies.get(size - 1)));
                if (size % 97 == 0 || size == 1000) {
                    int n = size;
                    Sha256Hash root = store.read(h -> SqliteAuditLog.treeRoot(h, n));
                    assertThat(root).as("root of %d", n).isEqualTo(expected.root());
                }
            }
        }
    }

    @Test
    void scriptsAreSplitIntoStatementsWithoutComments() {
        assertThat(Schema.Step.parse("-- a comment; with a semicolon\nCREATE TABLE a (x);\n\n  -- another\nCREATE TABLE b (y);\n"))
                .containsExactly("CREATE TABLE a (x)", "CREATE TABLE b (y)");
    }
}
