package dev.duet.controller;

import java.util.Optional;

/** The ways a CVM comes into the controller's custody (docs/providers.md), as the API and the store spell them. */
public enum ProviderKind {
    /** A machine that already runs sshd, adopted with a bootstrap key used once. */
    SSH("ssh"),
    /** A QEMU guest the controller starts itself; its host key is bound by attestation. */
    QEMU("qemu"),
    /** An Azure confidential VM the controller creates through Resource Manager; its host key is bound by vTPM evidence. */
    AZURE("azure");

    private final String wire;

    ProviderKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<ProviderKind> parse(String wire) {
        for (ProviderKind kind : values()) {
            if (kind.wire.equals(wire)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
