package dev.duet.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The trust options of a verb that reaches a controller without checking its key itself (owner
 * verbs, list, state, log export): over {@code https://}, they decide whether the controller's
 * evidence is good enough to pin its TLS key ({@link ControllerTransport}), as {@link ControllerTrust}'s do elsewhere.
 */
final class TransportTrust {
    @Mixin HardwareTrust hardware;

    @Option(names = "--allow-no-tee", description = "INSECURE: over https://, pin the TLS key of a controller that no TEE attests "
            + "(tee: none) on its word alone.")
    boolean allowNoTee;
}
