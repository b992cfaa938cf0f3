package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import java.util.Optional;

/** The controller's evidence document, verified ({@link EvidenceVerifier}); a document that does not verify ends the verb. */
final class EvidenceCheck {
    private EvidenceCheck() {}

    /** The key the evidence names and the hardware verdict on it; else the first failed check's reason, exit 1. */
    static EvidenceVerdict.Facts of(JsonNode evidence, Optional<String> expectedNonce) throws CliFailure {
        EvidenceVerdict verdict = EvidenceVerifier.verify(evidence, expectedNonce);
        if (verdict.facts().isEmpty()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, verdict.failures().get(0).reason());
        }
        return verdict.facts().get();
    }
}
