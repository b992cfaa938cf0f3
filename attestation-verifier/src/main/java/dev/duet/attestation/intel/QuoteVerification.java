package dev.duet.attestation.intel;

import dev.duet.attestation.Check;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.collateral.TcbInfo;
import java.util.List;
import java.util.Optional;

/**
 * What verifying a quote found: the PCK certificate (when the chain parsed), the TCB assessment
 * (when collateral for its FMSPC was given and verified), and every check in order.
 */
public record QuoteVerification(Quote quote, Optional<PckCertificate> pck, Optional<TcbInfo> tcbInfo,
        Optional<TcbAssessment> tcb, List<Check> checks) {
    public QuoteVerification {
        checks = List.copyOf(checks);
    }

    public boolean verified() {
        return checks.stream().allMatch(Check::passed);
    }
}
