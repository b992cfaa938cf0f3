package dev.duet.controller;

import java.util.Optional;

/**
 * A request the controller refuses, or cannot carry out, with a stable kind that the API maps to a
 * status and problem type. The message is safe to show: it never holds key material.
 */
public final class ControllerException extends Exception {
    public enum Kind {
        INVALID_REQUEST,
        UNSUPPORTED_MEDIA_TYPE,
        UNAUTHENTICATED,
        FORBIDDEN,
        REPLAYED,
        UNKNOWN_CVM,
        MODE_FORBIDS,
        CONFLICT,
        TARGET_FAILED
    }

    private final Kind kind;
    private final Optional<String> cvmId;

    public ControllerException(Kind kind, String message) {
        this(kind, message, Optional.empty());
    }

    public ControllerException(Kind kind, String message, Optional<String> cvmId) {
        super(message);
        this.kind = kind;
        this.cvmId = cvmId;
    }

    public Kind kind() {
        return kind;
    }

    /** The CVM the refusal concerns, when it names an existing one. */
    public Optional<String> cvmId() {
        return cvmId;
    }
}
