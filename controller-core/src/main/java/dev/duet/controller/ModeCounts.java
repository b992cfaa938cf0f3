package dev.duet.controller;

import dev.duet.controller.internal.CvmRegistry;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.CvmMode;
import java.util.Map;

/**
 * How many CVMs are in each mode, for the metrics, which anyone may scrape often. Counted again only
 * after the log has grown: every mode change appends an entry, which signs a new checkpoint, so
 * between two checkpoints the last count is still true and costs a read of memory.
 */
final class ModeCounts {
    private final SqliteStore store;
    private volatile Counted last = new Counted(null, Map.of());

    private record Counted(String checkpoint, Map<CvmMode, Long> counts) {}

    ModeCounts(SqliteStore store) {
        this.store = store;
    }

    Map<CvmMode, Long> now() {
        String checkpoint = store.latestCheckpoint().orElse(null);
        Counted known = last;
        if (checkpoint != null && checkpoint.equals(known.checkpoint())) {
            return known.counts();
        }
        Map<CvmMode, Long> counts = store.read(CvmRegistry::countByMode);
        last = new Counted(checkpoint, counts);
        return counts;
    }
}
