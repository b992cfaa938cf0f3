package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.LogExportVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tampering with the controller's real SQLite file, then exporting and verifying offline: every
 * tampering is caught, and where the chain allows it the first bad index is named.
 */
class LogTamperTest {
    private static final int SIZE = 60;
    @TempDir Path dir;
    private Path base;
    private Path other;
    /** What the controller signed of the base log before any tampering, and of its first 30 entries. */
    private String checkpoint;
    private String olderCheckpoint;
    private long olderSize;
    private Ed25519PublicKey controllerKey;

    /** A controller log grown by owner requests that the controller refuses: real entries, no SSH needed. */
    private Ed25519PublicKey grow(Path data, int entries, boolean keepOlderCheckpoint) throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        try (Controller c = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())))) {
            for (int i = 1; i < entries; i++) {
                byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                OwnerRequest request = SignedRequests.signed(c, owner, "PUT", "/v1/cvms/cvm-" + i + "/mode", body);
                try {
                    c.asOwner(request, SignedRequests.body(body), (id, signed) -> {
                        throw new ControllerException(ControllerException.Kind.INVALID_REQUEST, "refused to grow the log");
                    });
                } catch (ControllerException expected) {
                    if (keepOlderCheckpoint && i + 1 == 30) {
                        olderCheckpoint = c.checkpoint();
                        olderSize = 30;
                    }
                }
            }
            if (keepOlderCheckpoint) {
                checkpoint = c.checkpoint();
            }
            return c.signingKey();
        }
    }

    @BeforeEach
    void buildLogs() throws Exception {
        controllerKey = grow(dir.resolve("base"), SIZE, true);
        grow(dir.resolve("other"), SIZE, false);
        base = dir.resolve("base/duet.db");
        other = dir.resolve("other/duet.db");
        assertThat(verify(base).intact()).as(verify(base).detail()).isTrue();
    }

    /**
     * Verifies the export in memory and as a file (the fast path, falling back to the full one); both
     * must reach the same verdict, so the fast path never hides or changes a finding.
     */
    private LogExportVerifier.Verdict verify(Path db) throws Exception {
        return verify(db, checkpoint);
    }

    private LogExportVerifier.Verdict verify(Path db, String checkpoint) throws Exception {
        ObjectNode export = LogExport.fromDatabase(db, checkpoint);
        LogExportVerifier.Verdict inMemory = LogExportVerifier.verify(export, controllerKey);
        Path file = dir.resolve("export.json");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(file.toFile(), export);
        LogExportVerifier.Verdict fromFile = LogExportVerifier.verify(file, controllerKey);
        assertThat(fromFile.intact()).as(fromFile.detail() + " vs " + inMemory.detail()).isEqualTo(inMemory.intact());
        assertThat(fromFile.firstBadIndex()).isEqualTo(inMemory.firstBadIndex());
        assertThat(fromFile.detail()).isEqualTo(inMemory.detail());
        return inMemory;
    }

    private static byte[] body(Path db, long seq) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                PreparedStatement ps = c.prepareStatement("SELECT body FROM log_entries WHERE seq = ?")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        }
    }

    /** Runs one tampering statement; it must change at least one row, or the test would prove nothing. */
    private static void update(Path db, String sql, Object... args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            assertThat(ps.executeUpdate()).as(sql).isPositive();
        }
    }

    private Path copy(int i) throws Exception {
        Path target = dir.resolve("t" + i + ".db");
        Files.copy(base, target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    @Test
    void eachKindOfTamperingIsCaughtAtItsIndex() throws Exception {
        Path edited = copy(0);
        assertThat(new String(body(base, 17), StandardCharsets.UTF_8)).contains("cvm-17");
        update(edited, "UPDATE log_entries SET body = ? WHERE seq = 17",
                new String(body(base, 17), StandardCharsets.UTF_8).replace("cvm-17", "cvm-99").getBytes(StandardCharsets.UTF_8));
        assertThat(verify(edited).firstBadIndex()).hasValue(17);

        Path deleted = copy(1);
        update(deleted, "DELETE FROM log_entries WHERE seq = 23");
        assertThat(verify(deleted).firstBadIndex()).hasValue(23);

        Path swapped = copy(2);
        byte[] a = body(base, 10);
        update(swapped, "UPDATE log_entries SET body = ? WHERE seq = 10", body(base, 40));
        update(swapped, "UPDATE log_entries SET body = ? WHERE seq = 40", a);
        assertThat(verify(swapped).firstBadIndex()).hasValue(10);

        Path truncated = copy(3);
        update(truncated, "DELETE FROM log_entries WHERE seq >= 50");
        assertThat(verify(truncated).firstBadIndex()).hasValue(50);
        // The store itself refuses the truncated file: its tree still has the cut entries' leaves.
        assertThatThrownBy(() -> dev.duet.log.store.SqliteStore.open(truncated, dev.duet.controller.internal.ControllerSchema.SCHEMA).close())
                .hasMessageContaining("the stored tree has " + SIZE + " leaves, the log only 50 entries");

        Path spliced = copy(4);
        update(spliced, "UPDATE log_entries SET body = ? WHERE seq = 33", body(other, 33));
        assertThat(verify(spliced).firstBadIndex()).hasValue(33);

        LogExportVerifier.Verdict v = verify(copy(5), olderCheckpoint);
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadIndex()).hasValue(olderSize);

        Path lastEdited = copy(6);
        update(lastEdited, "UPDATE log_entries SET body = ? WHERE seq = " + (SIZE - 1),
                new String(body(base, SIZE - 1), StandardCharsets.UTF_8).replace("cvm-", "cvm-x").getBytes(StandardCharsets.UTF_8));
        assertThat(verify(lastEdited).intact()).isFalse();
        assertThat(verify(lastEdited).detail()).contains("Merkle root");
    }

    @Test
    void aThousandRandomTamperingsAreAllCaught() throws Exception {
        Random random = new Random(20261123);
        String[] kinds = {"edit", "delete", "swap", "truncate", "splice", "older-checkpoint"};
        for (int i = 0; i < 1000; i++) {
            String kind = kinds[random.nextInt(kinds.length)];
            int seq = random.nextInt(SIZE);
            Path db = copy(7);
            switch (kind) {
                case "edit" -> {
                    String text = new String(body(base, seq), StandardCharsets.UTF_8);
                    int at = text.indexOf("\"payload\":{") + 11 + random.nextInt(8);
                    char replacement = (char) ('a' + random.nextInt(26));
                    String changed = text.substring(0, at) + (text.charAt(at) == replacement ? (char) (replacement == 'z' ? 'y' : replacement + 1) : replacement)
                            + text.substring(at + 1);
                    update(db, "UPDATE log_entries SET body = ? WHERE seq = ?", changed.getBytes(StandardCharsets.UTF_8), seq);
                }
                case "delete" -> update(db, "DELETE FROM log_entries WHERE seq = ?", seq);
                case "swap" -> {
                    int with = (seq + 1 + random.nextInt(SIZE - 1)) % SIZE;
                    update(db, "UPDATE log_entries SET body = ? WHERE seq = ?", body(base, with), seq);
                    update(db, "UPDATE log_entries SET body = ? WHERE seq = ?", body(base, seq), with);
                }
                case "truncate" -> update(db, "DELETE FROM log_entries WHERE seq >= ?", Math.max(1, seq));
                case "splice" -> update(db, "UPDATE log_entries SET body = ? WHERE seq = ?", body(other, seq), seq);
                default -> { }
            }
            LogExportVerifier.Verdict verdict = kind.equals("older-checkpoint") ? verify(db, olderCheckpoint) : verify(db);
            assertThat(verdict.intact()).as("tampering %d: %s at %d", i, kind, seq).isFalse();
        }
    }
}
