package dev.duet.attestation.collateral;

import java.util.Optional;

/**
 * The TCB statuses of one quote: the platform (from the PCK's SVNs and, for TDX, TEE_TCB_SVN), the
 * TDX module (TDX only, from its module identity) and the quoting enclave.
 */
public record TcbAssessment(LevelMatch platform, Optional<LevelMatch> module, LevelMatch qe,
        int tcbEvaluationDataNumber) {

    /** The worst matched status, or empty when some part matched no level. */
    public Optional<TcbStatus> overall() {
        TcbStatus worst = TcbStatus.UP_TO_DATE;
        for (LevelMatch match : module.isPresent() ? java.util.List.of(platform, module.get(), qe)
                : java.util.List.of(platform, qe)) {
            if (!(match instanceof LevelMatch.Matched matched)) {
                return Optional.empty();
            }
            worst = worst.worse(matched.status());
        }
        return Optional.of(worst);
    }
}
