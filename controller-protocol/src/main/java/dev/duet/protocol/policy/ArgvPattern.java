package dev.duet.protocol.policy;

import dev.duet.protocol.shield.GlobSequence;
import java.util.List;

/**
 * A forbidden-command pattern: one glob per argument, matched against a logged command's argv
 * exactly as the controller ran it, never re-joined or re-split, so quoting cannot make a command
 * slip past it or make a harmless one match. Every glob matches a whole argument ({@code rm} does
 * not match {@code rmdir}) and the pattern matches the whole argv ({@code [rm]} matches only a bare
 * {@code rm}; {@code [rm, "**"]} matches rm with any arguments). In a glob, {@code *} is any run of
 * characters (none included), {@code ?} one character, {@code \} takes the next character literally;
 * an argument that is exactly {@code **} matches any number of whole arguments, none included.
 */
public record ArgvPattern(List<String> globs) {
    /** The argument glob that stands for any number of arguments. */
    public static final String ANY_ARGUMENTS = GlobSequence.ANY;

    public ArgvPattern {
        globs = List.copyOf(globs);
        if (globs.isEmpty()) {
            throw new IllegalArgumentException("a pattern names at least one argument");
        }
        for (String glob : globs) {
            if (danglingEscape(glob)) {
                throw new IllegalArgumentException("the glob \"" + glob + "\" ends in an unfinished escape (\\)");
            }
        }
    }

    /** Whether the glob ends with a backslash that escapes nothing. */
    static boolean danglingEscape(String glob) {
        int trailing = 0;
        for (int i = glob.length() - 1; i >= 0 && glob.charAt(i) == '\\'; i--) {
            trailing++;
        }
        return trailing % 2 == 1;
    }

    public boolean matches(List<String> argv) {
        return GlobSequence.compile(globs).matches(argv);
    }

    @Override
    public String toString() {
        return globs.toString();
    }
}
