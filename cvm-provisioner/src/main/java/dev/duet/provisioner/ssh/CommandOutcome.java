package dev.duet.provisioner.ssh;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a remote command ended: an exit status, or a signal, or the deadline (then the channel was
 * closed and neither is known).
 */
public record CommandOutcome(
        OptionalInt exitStatus, Optional<String> exitSignal, boolean timedOut, CapturedOutput stdout, CapturedOutput stderr) {}
