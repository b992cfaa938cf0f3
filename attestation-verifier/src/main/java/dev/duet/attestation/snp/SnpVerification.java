package dev.duet.attestation.snp;

import dev.duet.attestation.Check;
import java.util.List;
import java.util.Optional;

/**
 * What verifying an SNP report's signature and endorsement found: the product line it was judged
 * as (when one could be decided), the decoded reported TCB, and every check in order.
 */
public record SnpVerification(SnpReport report, Optional<SnpProduct> product, Optional<TcbVersion> reportedTcb,
        String trust, List<Check> checks) {
    public SnpVerification {
        checks = List.copyOf(checks);
    }

    public boolean verified() {
        return checks.stream().allMatch(Check::passed);
    }
}
