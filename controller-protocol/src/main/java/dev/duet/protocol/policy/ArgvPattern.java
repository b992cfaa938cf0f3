package dev.duet.protocol.policy;

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
    public static final String ANY_ARGUMENTS = "**";

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
        int n = globs.size();
        int m = argv.size();
        // matched[i][j]: the first i globs match the first j arguments.
        boolean[][] matched = new boolean[n + 1][m + 1];
        matched[0][0] = true;
        for (int i = 1; i <= n; i++) {
            String glob = globs.get(i - 1);
            boolean any = glob.equals(ANY_ARGUMENTS);
            for (int j = 0; j <= m; j++) {
                if (any) {
                    matched[i][j] = matched[i - 1][j] || j > 0 && matched[i][j - 1];
                } else {
                    matched[i][j] = j > 0 && matched[i - 1][j - 1] && globMatches(glob, argv.get(j - 1));
                }
            }
        }
        return matched[n][m];
    }

    /** One glob against one whole argument, by code point (so {@code ?} is one character, never half of one). */
    static boolean globMatches(String glob, String argument) {
        int[] g = glob.codePoints().toArray();
        int[] a = argument.codePoints().toArray();
        // Tokens: -1 for '*', -2 for '?', else a literal code point.
        int[] tokens = new int[g.length];
        int count = 0;
        for (int i = 0; i < g.length; i++) {
            if (g[i] == '\\') {
                tokens[count++] = g[++i];
            } else if (g[i] == '*') {
                tokens[count++] = -1;
            } else if (g[i] == '?') {
                tokens[count++] = -2;
            } else {
                tokens[count++] = g[i];
            }
        }
        boolean[][] matched = new boolean[count + 1][a.length + 1];
        matched[0][0] = true;
        for (int i = 1; i <= count; i++) {
            int token = tokens[i - 1];
            for (int j = 0; j <= a.length; j++) {
                if (token == -1) {
                    matched[i][j] = matched[i - 1][j] || j > 0 && matched[i][j - 1];
                } else {
                    matched[i][j] = j > 0 && matched[i - 1][j - 1] && (token == -2 || token == a[j - 1]);
                }
            }
        }
        return matched[count][a.length];
    }

    @Override
    public String toString() {
        return globs.toString();
    }
}
