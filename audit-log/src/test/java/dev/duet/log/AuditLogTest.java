package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path dir;
    private Path file;
    private SqliteStore store;

    @BeforeEach
    void open() {
        file = dir.resolve("log.db");
        store = SqliteStore.open(file);
    }

    private LogEntry append(String subject, String kind, int n) {
        ObjectNode payload = MAPPER.createObjectNode().put("n", n).put("text", "é \u0000 \"q\"");
        return store.write(tx -> tx.append(EntryDraft.of(subject, "owner:test", kind, payload), Instant.now()));
    }

    private List<byte[]> all() {
        return store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE));
    }

    @Test
    void storeIsWalWithFullSync() {
        assertThat(store.journalMode()).isEqualToIgnoringCase("wal");
        int synchronous = store.read(h -> h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one());
        assertThat(synchronous).isEqualTo(2);
    }

    @Test
    void appendsLinkEveryEntryToItsPredecessorAndSubject() {
        LogEntry e0 = append(null, "owner.registered", 0);
        LogEntry e1 = append("cvm-a", "cvm.adopted", 1);
        LogEntry e2 = append("cvm-b", "cvm.adopted", 2);
        LogEntry e3 = append("cvm-a", "mode.changed", 3);

        assertThat(e0.prev()).isEqualTo(Sha256Hash.ZERO);
        assertThat(e1.prev()).isEqualTo(EntryCodec.hash(e0));
        assertThat(e3.prev()).isEqualTo(EntryCodec.hash(e2));
        assertThat(e1.subjectPrev()).contains(Sha256Hash.ZERO);
        assertThat(e3.subjectPrev()).contains(EntryCodec.hash(e1));

        ChainVerdict verdict = ChainVerifier.verifyLog(all());
        assertThat(verdict).isEqualTo(new ChainVerdict.Intact(4, EntryCodec.hash(e3)));
        assertThat(store.read(SqliteAuditLog::head).hash()).isEqualTo(EntryCodec.hash(e3));

        List<LogEntry> ofA = store.read(h -> SqliteAuditLog.subjectEntries(h, "cvm-a"));
        assertThat(ofA).containsExactly(e1, e3);
        assertThat(ChainVerifier.verifySubject("cvm-a", ofA)).isEqualTo(new ChainVerdict.Intact(2, EntryCodec.hash(e3)));
    }

    @Test
    void reopenedStoreContinuesTheChain() {
        append("cvm-a", "cvm.adopted", 1);
        SqliteStore reopened = SqliteStore.open(file);
        LogEntry next = reopened.write(tx -> tx.append(EntryDraft.of("cvm-a", "x", "mode.changed", MAPPER.createObjectNode()), Instant.now()));
        assertThat(next.seq()).isEqualTo(1);
        assertThat(ChainVerifier.verifyLog(all())).isInstanceOf(ChainVerdict.Intact.class);
    }

    @Test
    void subjectChainMissingAnEntryIsBroken() {
        LogEntry a1 = append("cvm-a", "k", 1);
        append("cvm-a", "k", 2);
        LogEntry a3 = append("cvm-a", "k", 3);
        assertThat(ChainVerifier.verifySubject("cvm-a", List.of(a1, a3)))
                .isEqualTo(new ChainVerdict.Broken(1, "subject_prev is " + a3.subjectPrev().get() + ", expected " + EntryCodec.hash(a1)));
        assertThat(ChainVerifier.verifySubject("cvm-b", List.of(a1))).isInstanceOf(ChainVerdict.Broken.class);
    }

    @Test
    void editedPayloadInTheSqliteFileIsDetectedAtItsIndex() throws Exception {
        for (int i = 0; i < 5; i++) {
            append("cvm-a", "command.completed", i);
        }
        byte[] body = all().get(2);
        String edited = new String(body, StandardCharsets.UTF_8).replace("\"n\":2", "\"n\":7");
        rawUpdate("UPDATE log_entries SET body = ? WHERE seq = 2", edited.getBytes(StandardCharsets.UTF_8));
        assertThat(ChainVerifier.verifyLog(all())).isInstanceOfSatisfying(ChainVerdict.Broken.class,
                b -> assertThat(b.index()).isEqualTo(3));
    }

    /** An entry without subject, or the last of its subject, is covered by the global chain alone. */
    @Test
    void anEditOnlyTheGlobalChainCoversIsDetected() throws Exception {
        append(null, "owner.registered", 0);
        append("cvm-a", "k", 1);
        append("cvm-b", "k", 2);
        append("cvm-a", "k", 3);
        for (long seq : new long[] {0, 2}) {
            byte[] body = all().get((int) seq);
            String edited = new String(body, StandardCharsets.UTF_8).replace("\"n\":" + seq, "\"n\":9");
            rawUpdate("UPDATE log_entries SET body = ? WHERE seq = " + seq, edited.getBytes(StandardCharsets.UTF_8));
            assertThat(ChainVerifier.verifyLog(all())).isInstanceOfSatisfying(ChainVerdict.Broken.class,
                    b -> assertThat(b.index()).isEqualTo(seq + 1));
            rawUpdate("UPDATE log_entries SET body = ? WHERE seq = " + seq, body);
        }
        assertThat(ChainVerifier.verifyLog(all())).isInstanceOf(ChainVerdict.Intact.class);
    }

    @Test
    void deletedOrSwappedRowsAreDetected() throws Exception {
        for (int i = 0; i < 5; i++) {
            append("cvm-a", "k", i);
        }
        List<byte[]> entries = new java.util.ArrayList<>(all());
        List<byte[]> dropped = new java.util.ArrayList<>(entries);
        dropped.remove(1);
        assertThat(ChainVerifier.verifyLog(dropped)).isEqualTo(new ChainVerdict.Broken(1, "sequence number 2, expected 1"));
        List<byte[]> swapped = new java.util.ArrayList<>(entries);
        java.util.Collections.swap(swapped, 2, 3);
        assertThat(ChainVerifier.verifyLog(swapped)).isInstanceOfSatisfying(ChainVerdict.Broken.class,
                b -> assertThat(b.index()).isEqualTo(2));
    }

    @Test
    void nonCanonicalOrMalformedBytesAreRefusedByTheDecoder() {
        append("cvm-a", "k", 0);
        LogEntry e = append("cvm-a", "k", 1);
        String canonical = new String(EntryCodec.encode(e), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> EntryCodec.decode((canonical + " ").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEntryException.class).hasMessageContaining("canonical");
        for (String bad : List.of("", "[]", "{", "null", "{\"seq\":1}",
                canonical.replace("\"seq\":1", "\"seq\":-1"),
                canonical.replace("\"seq\":1", "\"seq\":1.5"),
                canonical.replace("\"kind\":\"k\"", "\"kind\":\"k\",\"extra\":1"),
                canonical.replace(e.prev().hex(), e.prev().hex().toUpperCase()))) {
            assertThatThrownBy(() -> EntryCodec.decode(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(MalformedEntryException.class);
        }
    }

    private void rawUpdate(String sql, byte[] value) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBytes(1, value);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
