package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.TeeKind;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import java.time.Instant;
import java.util.Optional;

/** The controller's evidence document, verified ({@link EvidenceVerifier}); a document that does not verify ends the verb. */
final class EvidenceCheck {
    private EvidenceCheck() {}

    /** The roots a user trusts: the vendors', and duet's simulated one only when the user said so. */
    static ControllerEvidenceVerifier.Trust trust(boolean simulatedRoot) {
        ControllerEvidenceVerifier.Trust vendor = ControllerEvidenceVerifier.Trust.vendorRoots();
        return simulatedRoot ? vendor.trustingSimulatedRoot() : vendor;
    }

    /** The warning every output carries for a key that only the simulated root attests. */
    static final String SIMULATED = "SIMULATED: the controller key is attested only by duet's simulated SNP root, trusted because of "
            + "--trust-simulated-root; this proves nothing about hardware";

    /** Why a key is not attested, with the option that would accept it when there is one. */
    static String notAttested(EvidenceVerdict.Facts facts) {
        boolean simulated = facts.attestation().checks().stream()
                .anyMatch(c -> !c.passed() && c.id().equals(ControllerEvidenceVerifier.SIMULATED_CHECK));
        return "NOT ATTESTED: " + facts.attestation().reason() + (facts.tee() == TeeKind.NONE ? " (pass --allow-no-tee to accept that explicitly)"
                : simulated ? " (pass --trust-simulated-root to accept duet's simulated root explicitly)" : "");
    }

    /** The key the evidence names and the hardware verdict on it; else the first failed check's reason, exit 1. */
    static EvidenceVerdict.Facts of(JsonNode evidence, Optional<String> expectedNonce, ControllerEvidenceVerifier.Trust trust)
            throws CliFailure {
        EvidenceVerdict verdict = EvidenceVerifier.verify(evidence, expectedNonce, trust, Instant.now());
        if (verdict.facts().isEmpty()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, verdict.failures().get(0).reason());
        }
        return verdict.facts().get();
    }
}
