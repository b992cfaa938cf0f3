package dev.duet.log.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
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
        assertThat(version(file)).isEqualTo(SqliteAuditLog.SCHEMA.version()).isEqualTo(2);

        Schema three = SqliteAuditLog.SCHEMA.then(new Schema.Step(List.of("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra VALUES (7)")));
        SqliteStore.open(file, three).close();
        SqliteStore.open(file, three).close();
        assertThat(version(file)).isEqualTo(3);
        List<Integer> rows = db(file).withHandle(h -> h.createQuery("SELECT x FROM extra").mapTo(Integer.class).list());
        assertThat(rows).containsExactly(7);
    }

    @Test
    void aFileNewerThanTheCodeIsRefused() {
        Path file = dir.resolve("log.db");
        SqliteStore.open(file).close();
        db(file).useHandle(h -> h.execute("PRAGMA user_version = 9"));
        assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(Schema.NewerSchemaException.class)
                .hasMessageContaining("schema version 9, newer than this release knows (2)");
        assertThat(version(file)).isEqualTo(9);
    }

    @Test
    void aFailingStepLeavesTheFileAtTheVersionBefore() {
        Path file = dir.resolve("log.db");
        SqliteStore.open(file).close();
        Schema broken = SqliteAuditLog.SCHEMA.then(new Schema.Step(List.of("CREATE TABLE half (x INTEGER)", "INSERT INTO nowhere VALUES (1)")));
        assertThatThrownBy(() -> SqliteStore.open(file, broken)).hasMessageContaining("nowhere");
        assertThat(version(file)).isEqualTo(2);
        int half = db(file).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").mapTo(Integer.class).one());
        assertThat(half).isZero();
    }

    /** Version 2 drops the stored checkpoint of a version-1 file, and leaves its entries as they were. */
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
        assertThat(version(file)).isEqualTo(2);
        int checkpointTables = db(file).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM sqlite_master WHERE name = 'checkpoint'")
                .mapTo(Integer.class).one());
        assertThat(checkpointTables).isZero();
        byte[] body = db(file).withHandle(h -> h.createQuery("SELECT body FROM log_entries").mapTo(byte[].class).one());
        assertThat(body).isEqualTo(new byte[] {'{', '}'});
    }

    @Test
    void scriptsAreSplitIntoStatementsWithoutComments() {
        assertThat(Schema.Step.parse("-- a comment; with a semicolon\nCREATE TABLE a (x);\n\n  -- another\nCREATE TABLE b (y);\n"))
                .containsExactly("CREATE TABLE a (x)", "CREATE TABLE b (y)");
    }
}
