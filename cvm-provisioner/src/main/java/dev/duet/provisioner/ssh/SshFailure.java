package dev.duet.provisioner.ssh;

import java.io.IOException;

/**
 * An SSH operation failed. The kind tells an attack (a host key other than the pinned one) from a
 * refusal (authentication) and from an outage (network, timeout).
 */
public final class SshFailure extends IOException {
    public enum Kind {
        HOST_KEY_MISMATCH,
        AUTHENTICATION_FAILED,
        UNREACHABLE,
        CHANNEL_FAILED
    }

    private final Kind kind;

    public SshFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
