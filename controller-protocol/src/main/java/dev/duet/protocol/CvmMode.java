package dev.duet.protocol;

import java.util.Optional;

/** The lifecycle of a CVM (DESIGN §4). Commands run only in {@link #IN_UPDATE}. */
public enum CvmMode {
    PROVISIONING("provisioning"),
    IN_UPDATE("in-update"),
    IN_SERVICE("in-service"),
    STOPPED("stopped"),
    FAILED("failed");

    private final String wire;

    CvmMode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<CvmMode> parse(String wire) {
        for (CvmMode mode : values()) {
            if (mode.wire.equals(wire)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    /** The owner may switch between these two only. */
    public boolean isOperational() {
        return this == IN_UPDATE || this == IN_SERVICE;
    }
}
