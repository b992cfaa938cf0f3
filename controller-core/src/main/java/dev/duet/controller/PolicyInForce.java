package dev.duet.controller;

import dev.duet.protocol.shield.ShieldPolicy;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A policy as it stands for a CVM (or as the controller-wide default): its version, the policy, its
 * SHA-256, and the entry that logged it; version 0 and no entry for the built-in
 * {@link ShieldPolicy#DEFAULT} nobody set.
 */
public record PolicyInForce(long version, ShieldPolicy policy, String sha256, OptionalLong seq) {
    public PolicyInForce {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(seq, "seq");
    }
}
