package dev.duet.controller;

import dev.duet.protocol.Ed25519PublicKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * How a controller starts. Owner keys are required for a new data directory and, if given for an
 * existing one, must equal those registered in its log: owners cannot be swapped silently.
 * {@code ownerThreshold} is how many distinct owners a governed request needs (k of n, issue 12),
 * fixed with the owners in entry 0; empty means 1 for a new directory and the registered one for an
 * existing directory. A request waiting for approvals expires after {@code approvalExpiry}.
 * {@code limits} bound what a client may cost the controller.
 */
public record ControllerConfig(
        Path dataDirectory,
        List<Ed25519PublicKey> ownerKeys,
        Clock clock,
        Duration signatureWindow,
        Duration sshConnectTimeout,
        int outputCapBytes,
        Duration maxCommandTimeout,
        RequestLimits limits,
        OptionalInt ownerThreshold,
        Duration approvalExpiry) {

    /** How long a governed request waits for approvals unless the operator says otherwise. */
    public static final Duration DEFAULT_APPROVAL_EXPIRY = Duration.ofMinutes(15);

    public ControllerConfig {
        ownerKeys = List.copyOf(ownerKeys);
        if (approvalExpiry.isNegative() || approvalExpiry.isZero()) {
            throw new IllegalArgumentException("the approval expiry must be positive");
        }
    }

    public static ControllerConfig defaults(Path dataDirectory, List<Ed25519PublicKey> ownerKeys) {
        return new ControllerConfig(dataDirectory, ownerKeys, Clock.systemUTC(), Duration.ofMinutes(5),
                Duration.ofSeconds(15), 1 << 20, Duration.ofHours(1), RequestLimits.defaults(), OptionalInt.empty(),
                DEFAULT_APPROVAL_EXPIRY);
    }

    public ControllerConfig withLimits(RequestLimits changed) {
        return new ControllerConfig(dataDirectory, ownerKeys, clock, signatureWindow, sshConnectTimeout, outputCapBytes,
                maxCommandTimeout, changed, ownerThreshold, approvalExpiry);
    }

    /** The same configuration with k of n owners ({@code threshold}) and governed requests expiring after {@code expiry}. */
    public ControllerConfig withGovernance(OptionalInt threshold, Duration expiry) {
        return new ControllerConfig(dataDirectory, ownerKeys, clock, signatureWindow, sshConnectTimeout, outputCapBytes,
                maxCommandTimeout, limits, threshold, expiry);
    }
}
