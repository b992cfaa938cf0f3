package dev.duet.attestation.collateral;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A level of a QE identity or TDX module identity: at least this ISVSVN has this status. */
public record IdentityLevel(int isvSvn, Optional<Instant> tcbDate, TcbStatus status, List<String> advisoryIds) {
    public IdentityLevel {
        advisoryIds = List.copyOf(advisoryIds);
    }
}
