package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.TeeKind;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.attestation.Octets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The controller's evidence document, verified ({@link EvidenceVerifier}); a document that does not verify ends the verb. */
final class EvidenceCheck {
    private EvidenceCheck() {}

    /**
     * What a user trusts: the vendors' roots, the controller builds given with
     * {@code --controller-measurement} (SNP MEASUREMENT or TDX MRTD, 48 bytes in hex), and duet's
     * simulated root only when named by its ARK fingerprint ({@code --trust-simulated-root}, the
     * SHA-256 of the ARK's DER that {@code serve --attestation simulated-snp} prints at start-up).
     */
    static ControllerEvidenceVerifier.Trust trust(Optional<String> simulatedArk, List<String> measurements) throws CliFailure {
        Set<Octets> accepted = new HashSet<>();
        for (String measurement : measurements) {
            accepted.add(hex(measurement, 48, "--controller-measurement"));
        }
        ControllerEvidenceVerifier.Trust trust = ControllerEvidenceVerifier.Trust.vendorRoots().acceptingMeasurements(accepted);
        return simulatedArk.isPresent() ? trust.trustingSimulatedRoot(hex(simulatedArk.get(), 32, "--trust-simulated-root")) : trust;
    }

    private static Octets hex(String text, int length, String option) throws CliFailure {
        if (!text.matches("[0-9a-fA-F]{" + 2 * length + "}")) {
            throw new CliFailure(CliFailure.INPUT_ERROR, option + " takes " + length + " bytes in hex (" + 2 * length + " hex digits), not \""
                    + DuetCli.printable(text) + "\"");
        }
        return Octets.fromHex(text);
    }

    /** The warning every output carries for a key that only the simulated root attests. */
    static final String SIMULATED = "SIMULATED: the controller key is attested only by duet's simulated SNP root, trusted because of "
            + "--trust-simulated-root; this proves nothing about hardware";

    /** Why a key is not attested, with the option that would accept it when there is one. */
    static String notAttested(EvidenceVerdict.Facts facts) {
        return "NOT ATTESTED: " + facts.attestation().reason()
                + (facts.tee() == TeeKind.NONE ? " (pass --allow-no-tee to accept that explicitly)" : "");
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
