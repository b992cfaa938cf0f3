package dev.duet.protocol;

/** Names shared by the controller that writes signed CVM state and the verifier that reads it. */
public final class CvmState {
    public static final String FORMAT = "duet.cvm-state/v1";
    public static final String EVIDENCE_FORMAT = "duet.controller-evidence/v1";

    private CvmState() {}
}
