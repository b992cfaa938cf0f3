package dev.duet.log.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.EntryDraft;
import dev.duet.log.LogEntry;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log pages are bounded in bytes as well as in entries: large entries make shorter pages, never a huge answer. */
class BoundedPageTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int ENTRY = 256 * 1024;
    @TempDir Path dir;

    @Test
    void aPageOfLargeEntriesEndsAtItsByteBudgetAndSaysThereIsMore() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("log.db"))) {
            for (int i = 0; i < 12; i++) {
                int n = i;
                store.write(tx -> tx.append(EntryDraft.of("cvm-a", "owner:x", "policy.set", MAPPER.createObjectNode().put("i", n)
                        .put("blob", "x".repeat(ENTRY))), Instant.now()));
            }
            SqliteAuditLog.Page all = store.read(h -> SqliteAuditLog.rangeWithin(h, 0, 12, Long.MAX_VALUE));
            assertThat(all.entries()).hasSize(12);
            assertThat(all.more()).isFalse();

            SqliteAuditLog.Page page = store.read(h -> SqliteAuditLog.rangeWithin(h, 0, 12, 4L * ENTRY));
            assertThat(page.entries()).extracting(LogEntry::seq).containsExactly(0L, 1L, 2L, 3L);
            assertThat(page.more()).isTrue();

            SqliteAuditLog.Page one = store.read(h -> SqliteAuditLog.subjectPageWithin(h, "cvm-a", 5, 1000, 1));
            assertThat(one.entries()).as("at least one entry, whatever the budget").extracting(LogEntry::seq).containsExactly(5L);
            assertThat(one.more()).isTrue();

            SqliteAuditLog.Page last = store.read(h -> SqliteAuditLog.subjectPageWithin(h, "cvm-a", 10, 1000, 4L * ENTRY));
            assertThat(last.entries()).extracting(LogEntry::seq).containsExactly(10L, 11L);
            assertThat(last.more()).isFalse();
        }
    }
}
