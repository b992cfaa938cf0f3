package dev.duet.provisioner.ssh;

import java.time.Duration;
import java.util.List;

/** A program and its arguments, run without shell interpretation, with a deadline and an output cap. */
public record RemoteCommand(List<String> argv, Duration timeout, int outputCap) {
    public RemoteCommand {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must name a program");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (outputCap < 0) {
            throw new IllegalArgumentException("outputCap must be >= 0");
        }
    }
}
