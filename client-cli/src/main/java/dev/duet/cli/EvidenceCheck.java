package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.TeeKind;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.SignedDocument;
import java.util.Optional;

/** The controller's evidence document, its self-signature checked, and the hardware verdict on it. */
record EvidenceCheck(Ed25519PublicKey key, TeeKind tee, ControllerEvidenceVerdict verdict) {
    static EvidenceCheck of(JsonNode evidence, String expectedNonce) throws CliFailure {
        Optional<String> malformed = SignedDocument.malformed(evidence);
        if (malformed.isPresent()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "controller evidence is not a document the controller signed: " + malformed.get());
        }
        JsonNode payload = evidence.path("payload");
        if (!CvmState.EVIDENCE_FORMAT.equals(payload.path("format").asText())) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "not controller evidence (format " + payload.path("format").asText("missing") + ")");
        }
        Ed25519PublicKey key;
        try {
            key = Ed25519PublicKey.parseBase64(payload.path("signing_key").path("public_key").asText(""));
        } catch (KeyFormatException e) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "evidence signing key: " + e.getMessage());
        }
        SignedDocument.Verified verified = SignedDocument.verify(evidence, key);
        if (verified.payload().isEmpty()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "evidence is not signed by the key it names: " + verified.failure());
        }
        if (expectedNonce != null && !expectedNonce.equals(payload.path("nonce").asText(null))) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "evidence does not carry our nonce: not fresh");
        }
        TeeKind tee = TeeKind.parse(payload.path("tee").asText(""))
                .orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED, "unknown tee kind " + payload.path("tee").asText()));
        return new EvidenceCheck(key, tee, ControllerEvidenceVerifier.verify(tee));
    }
}
