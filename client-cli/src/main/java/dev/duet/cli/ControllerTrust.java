package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.TeeKind;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.KeyFormatException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Why the CLI trusts a controller key: pinned out of band, attested by hardware evidence, or, only
 * with {@code --allow-no-tee}, taken from unattested evidence, which every output then calls INSECURE.
 */
final class ControllerTrust {
    @Option(names = "--controller-key", description = "Trust this controller public key (PEM), pinned out of band.")
    Path controllerKey;

    @Option(names = "--evidence", description = "Saved controller evidence (offline; only with --allow-no-tee for tee: none).")
    Path evidenceFile;

    @Option(names = "--allow-no-tee", description = "INSECURE: accept a controller key that no TEE attests.")
    boolean allowNoTee;

    @Mixin HardwareTrust hardware;

    /** {@code tag}: what the final verdict line adds after TRUSTED, when the key's trust has a caveat. */
    record TrustedKey(Ed25519PublicKey key, String basis, Optional<String> warning, Optional<String> failure, Optional<String> tag) {}

    /**
     * Resolves the key; {@code client} is used to fetch fresh evidence when nothing is given offline.
     * Options that would not all be used are a usage error, never one of them silently dropped.
     */
    TrustedKey resolve(Optional<ControllerApi> client) throws CliFailure {
        if (controllerKey != null && evidenceFile != null) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "give one of --controller-key or --evidence, not both: each names the "
                    + "controller's key, and only one would be used");
        }
        if (controllerKey != null && (allowNoTee || hardware.simulatedRoot != null || !hardware.measurements.isEmpty())) {
            throw new CliFailure(CliFailure.INPUT_ERROR, (allowNoTee ? "--allow-no-tee accepts a key from unattested evidence"
                    : hardware.simulatedRoot != null ? "--trust-simulated-root accepts a key from simulated evidence"
                    : "--controller-measurement accepts a key from attested evidence") + "; it does not apply to a key pinned with "
                    + "--controller-key");
        }
        if (controllerKey != null) {
            String pem = InputFiles.readText(controllerKey, InputFiles.SMALL, "controller key");
            try {
                return new TrustedKey(Ed25519PublicKey.parsePem(pem), "pinned key " + controllerKey, Optional.empty(), Optional.empty(),
                        Optional.empty());
            } catch (KeyFormatException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "controller key " + controllerKey + ": " + e.getMessage());
            }
        }
        JsonNode evidence;
        Optional<String> nonce = Optional.empty();
        if (evidenceFile != null) {
            evidence = DuetCli.readSigned(evidenceFile, InputFiles.MEDIUM, "controller evidence");
        } else if (client.isPresent()) {
            nonce = Optional.of(DuetCli.freshNonce());
            evidence = client.get().evidence(nonce.get());
        } else {
            throw new CliFailure(CliFailure.INPUT_ERROR, "offline verification needs --controller-key or --evidence");
        }
        EvidenceVerdict.Facts facts = EvidenceCheck.of(evidence, nonce, hardware.trust());
        if (facts.attestation() instanceof ControllerEvidenceVerdict.Attested attested) {
            return attested.simulated()
                    ? new TrustedKey(facts.key(), "SIMULATED attested key (" + facts.tee().wire() + ", duet's simulated root)",
                            Optional.of(EvidenceCheck.SIMULATED), Optional.empty(), Optional.of("SIMULATED attestation"))
                    : new TrustedKey(facts.key(), "attested key (" + facts.tee().wire() + ")", Optional.empty(), Optional.empty(),
                            Optional.empty());
        }
        if (allowNoTee && facts.tee() == TeeKind.NONE) {
            return new TrustedKey(facts.key(), "unattested key from evidence",
                    Optional.of("INSECURE: controller key not attested (tee: none), accepted because of --allow-no-tee"), Optional.empty(),
                    Optional.of("INSECURE: no TEE"));
        }
        return new TrustedKey(facts.key(), "unattested key from evidence", Optional.empty(),
                Optional.of("controller " + EvidenceCheck.notAttested(facts).replaceFirst("^NOT ATTESTED", "not attested")), Optional.empty());
    }
}
