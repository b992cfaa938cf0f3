package dev.duet.attestation.collateral;

import dev.duet.attestation.Octets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Intel's signed TCB Info for one FMSPC (PCS API v4 body, tcbInfo version 3). {@code signedBytes}
 * are the exact bytes of the {@code tcbInfo} JSON value that {@code signature} (r ‖ s) covers.
 */
public record TcbInfo(String id, int version, Instant issueDate, Instant nextUpdate, Octets fmspc, Octets pceId,
        int tcbEvaluationDataNumber, List<TcbLevel> levels, Optional<TdxModuleIdentity> tdxModule,
        List<TdxModuleIdentity> tdxModuleIdentities, Octets signedBytes, Octets signature) {
    public TcbInfo {
        levels = List.copyOf(levels);
        tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
    }
}
