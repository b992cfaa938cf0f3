package dev.duet.controller;

import dev.duet.protocol.Ed25519PublicKey;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * How a controller starts. Owner keys are required for a new data directory and, if given for an
 * existing one, must equal those registered in its log: owners cannot be swapped silently.
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
        RequestLimits limits) {

    public ControllerConfig {
        ownerKeys = List.copyOf(ownerKeys);
    }

    public static ControllerConfig defaults(Path dataDirectory, List<Ed25519PublicKey> ownerKeys) {
        return new ControllerConfig(dataDirectory, ownerKeys, Clock.systemUTC(), Duration.ofMinutes(5),
                Duration.ofSeconds(15), 1 << 20, Duration.ofHours(1), RequestLimits.defaults());
    }

    public ControllerConfig withLimits(RequestLimits changed) {
        return new ControllerConfig(dataDirectory, ownerKeys, clock, signatureWindow, sshConnectTimeout, outputCapBytes,
                maxCommandTimeout, changed);
    }
}
