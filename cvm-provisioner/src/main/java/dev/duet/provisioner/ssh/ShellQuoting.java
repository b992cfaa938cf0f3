package dev.duet.provisioner.ssh;

import java.util.List;
import java.util.stream.Collectors;

/**
 * SSH carries a command as one string that the remote user's shell parses. To pass an argv without
 * shell interpretation, each argument is wrapped in POSIX single quotes, inside which no character
 * is special; an embedded single quote is closed, escaped and reopened ({@code '\''}).
 */
public final class ShellQuoting {
    private ShellQuoting() {}

    public static String quote(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must name a program");
        }
        return argv.stream().map(ShellQuoting::quote).collect(Collectors.joining(" "));
    }

    public static String quote(String argument) {
        if (argument.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an argument cannot contain a NUL byte");
        }
        return "'" + argument.replace("'", "'\\''") + "'";
    }
}
