package dev.duet.attestation;

/** Whether a controller's signing key is vouched for by hardware, with the reason either way. */
public sealed interface ControllerEvidenceVerdict {
    String reason();

    /** Hardware evidence binds the key. */
    record Attested(TeeKind tee, String reason) implements ControllerEvidenceVerdict {}

    /** Nothing vouches for the key; the caller must refuse unless the user explicitly accepts that. */
    record NotAttested(TeeKind tee, String reason) implements ControllerEvidenceVerdict {}
}
