package dev.duet.attestation.collateral;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where evidence falls among a collateral's TCB levels: a level with its status, or none at all. */
public sealed interface LevelMatch {
    /** The first (highest) level the evidence meets. */
    record Matched(TcbStatus status, Optional<Instant> tcbDate, List<String> advisoryIds) implements LevelMatch {
        public Matched {
            advisoryIds = List.copyOf(advisoryIds);
        }

        @Override
        public String toString() {
            return status.wire() + tcbDate.map(d -> " (tcbDate " + d + ")").orElse("")
                    + (advisoryIds.isEmpty() ? "" : " " + advisoryIds);
        }
    }

    /**
     * The evidence is below every level. Intel's own samples do this; it is neither "OutOfDate" nor
     * an error in the collateral, and is reported as itself.
     */
    record NoMatchingLevel(String reason) implements LevelMatch {
        @Override
        public String toString() {
            return "no matching TCB level: " + reason;
        }
    }
}
