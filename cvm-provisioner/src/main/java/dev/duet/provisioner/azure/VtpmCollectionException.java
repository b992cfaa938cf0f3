package dev.duet.provisioner.azure;

import java.io.IOException;

/**
 * Collecting a guest's vTPM evidence failed, and why in kind: the caller retries a guest whose
 * tools are not installed yet ({@link Kind#TOOLS_MISSING}, cloud-init may still be running) but
 * never one that answered something malformed or too large.
 */
public final class VtpmCollectionException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** The SSH channel failed or a command ran past its deadline. */
        TRANSPORT,
        /** tpm2-tools or curl is not on the guest (exit status 127), or sudo asked for a password. */
        TOOLS_MISSING,
        /** A tool ran and failed: no NV index, no key at the handle, the TPM refused, IMDS refused. */
        COMMAND_FAILED,
        /** The guest wrote more than any genuine answer has. */
        TOO_LARGE,
        /** The guest's answer is not what the tool writes. */
        MALFORMED
    }

    private final Kind kind;

    public VtpmCollectionException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
