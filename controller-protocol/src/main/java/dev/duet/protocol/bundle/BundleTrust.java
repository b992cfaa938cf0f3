package dev.duet.protocol.bundle;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.log.note.Checkpoint;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the user brings to a bundle: whom they trust for the controller (vendor roots, accepted
 * measurements, the simulated root only when named), how the CVM's evidence is checked (the roots
 * and the appraisal policy), the nonce they asked with, the checkpoint they already trust (when they
 * asked for the history since it), and the time of the check.
 */
public record BundleTrust(
        ControllerEvidenceVerifier.Trust controller,
        AttestationVerifier cvmVendor,
        AppraisalPolicy cvm,
        Optional<String> nonce,
        Optional<Checkpoint> trustedCheckpoint,
        Instant at) {
    public BundleTrust {
        Objects.requireNonNull(controller, "controller");
        Objects.requireNonNull(cvmVendor, "cvmVendor");
        Objects.requireNonNull(cvm, "cvm");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(trustedCheckpoint, "trustedCheckpoint");
        Objects.requireNonNull(at, "at");
    }
}
