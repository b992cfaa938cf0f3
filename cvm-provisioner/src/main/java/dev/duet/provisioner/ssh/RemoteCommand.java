package dev.duet.provisioner.ssh;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A program and its arguments, run without shell interpretation, with a deadline and an output cap.
 * Its command line ({@link #commandLine()}) is at most {@value #MAX_COMMAND_LINE_BYTES} bytes, so
 * every SSH server duet drives takes it whole: a command that cannot be sent is refused here, before
 * anyone logs it as started.
 */
public record RemoteCommand(List<String> argv, Duration timeout, int outputCap) {
    /**
     * The longest command line sent, in bytes of UTF-8. SSH carries a command as one string (RFC 4254
     * §6.5), which the server hands to the user's shell as one argument ({@code sh -c LINE}), so the
     * limits apply to the whole quoted line, not to each argument: dropbear (the QEMU guest's server)
     * ends the session on a string over 9000 bytes (MAX_STRING_LEN); OpenSSH drops the connection on
     * a packet over 256 KiB; Linux refuses to exec an argument over 128 KiB (MAX_ARG_STRLEN). Quoting
     * can make an argument four times longer ({@code '} becomes {@code '\''}).
     */
    public static final int MAX_COMMAND_LINE_BYTES = 8192;

    public RemoteCommand {
        argv = List.copyOf(argv);
        requireSendable(argv);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (outputCap < 0) {
            throw new IllegalArgumentException("outputCap must be >= 0");
        }
    }

    /**
     * An {@link IllegalArgumentException} for an argv that cannot be sent as one command line: none,
     * or longer than {@value #MAX_COMMAND_LINE_BYTES} bytes quoted. Also asked of a policy's commands
     * on leaving service when the policy is set, so that one the controller could never run is refused
     * to the owner then rather than failing at every switch to in-update.
     */
    public static void requireSendable(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must name a program");
        }
        int bytes = ShellQuoting.quote(argv).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_COMMAND_LINE_BYTES) {
            throw new IllegalArgumentException("the command line is " + bytes + " bytes once each argument is single-quoted for the"
                    + " remote shell (a ' becomes 4 bytes); at most " + MAX_COMMAND_LINE_BYTES + " bytes can be sent");
        }
    }

    /** The argv as the one string SSH carries, each argument quoted per {@link ShellQuoting}. */
    public String commandLine() {
        return ShellQuoting.quote(argv);
    }
}
