package dev.duet.attestation;

/**
 * Decides whether a controller's evidence attests its signing key (DESIGN §3, guarantee 1). Fails
 * closed: a controller without a TEE, and every TEE kind whose quote verification this version does
 * not have yet, is {@link ControllerEvidenceVerdict.NotAttested}.
 */
public final class ControllerEvidenceVerifier {
    private ControllerEvidenceVerifier() {}

    public static ControllerEvidenceVerdict verify(TeeKind tee) {
        return switch (tee) {
            case NONE -> new ControllerEvidenceVerdict.NotAttested(tee,
                    "the controller runs without a TEE (tee: none): nothing vouches for its signing key");
            case SGX, TDX, SEV_SNP -> new ControllerEvidenceVerdict.NotAttested(tee,
                    "verification of " + tee.wire() + " controller quotes is not available in this version");
        };
    }
}
