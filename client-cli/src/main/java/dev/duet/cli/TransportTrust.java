package dev.duet.cli;

import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
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

    /**
     * What makes evidence acceptable to pin a TLS key for {@code verb}: its own trust options, by
     * name (from this mixin, {@link ControllerTrust} or its own); one the verb lacks is unset, so
     * it accepts less, never more.
     */
    static ControllerTransport.Acceptance of(CommandSpec verb) throws CliFailure {
        String root = given(verb, "--trust-simulated-root", null);
        List<String> measurements = given(verb, "--controller-measurement", List.of());
        boolean allowNoTee = given(verb, "--allow-no-tee", false);
        return new ControllerTransport.Acceptance(EvidenceCheck.trust(Optional.ofNullable(root), measurements), allowNoTee);
    }

    private static <T> T given(CommandSpec verb, String option, T unset) {
        OptionSpec spec = verb.findOption(option);
        T value = spec == null ? null : spec.getValue();
        return value == null ? unset : value;
    }
}
