package dev.duet.protocol.shield;

import java.util.Arrays;
import java.util.Optional;

/**
 * One glob, compiled once, matched against one whole string by code point: {@code *} is any run of
 * characters (none included), {@code ?} one character, {@code \} takes the next character literally.
 * A glob without wildcards is compared as a string.
 */
public final class Glob {
    private static final int STAR = -1;
    private static final int ONE = -2;

    private final String source;
    private final int[] tokens;
    private final String literal;

    private Glob(String source, int[] tokens, String literal) {
        this.source = source;
        this.tokens = tokens;
        this.literal = literal;
    }

    /** The glob, or an {@link IllegalArgumentException} for one that ends in an escape that escapes nothing. */
    public static Glob compile(String glob) {
        int[] g = glob.codePoints().toArray();
        int[] tokens = new int[g.length];
        int count = 0;
        boolean wild = false;
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < g.length; i++) {
            if (g[i] == '\\') {
                if (i + 1 == g.length) {
                    throw new IllegalArgumentException("the glob \"" + glob + "\" ends in an unfinished escape (\\)");
                }
                tokens[count++] = g[++i];
                literal.appendCodePoint(g[i]);
            } else if (g[i] == '*' || g[i] == '?') {
                tokens[count++] = g[i] == '*' ? STAR : ONE;
                wild = true;
            } else {
                tokens[count++] = g[i];
                literal.appendCodePoint(g[i]);
            }
        }
        return new Glob(glob, Arrays.copyOf(tokens, count), wild ? null : literal.toString());
    }

    /** The string this glob alone matches, if it has no wildcard. */
    public Optional<String> literal() {
        return Optional.ofNullable(literal);
    }

    public boolean matches(String s) {
        if (literal != null) {
            return literal.equals(s);
        }
        int[] a = s.codePoints().toArray();
        // One row of the table "the first i tokens match the first j code points", row by row.
        boolean[] previous = new boolean[a.length + 1];
        boolean[] row = new boolean[a.length + 1];
        previous[0] = true;
        for (int token : tokens) {
            for (int j = 0; j <= a.length; j++) {
                if (token == STAR) {
                    row[j] = previous[j] || j > 0 && row[j - 1];
                } else {
                    row[j] = j > 0 && previous[j - 1] && (token == ONE || token == a[j - 1]);
                }
            }
            boolean[] t = previous;
            previous = row;
            row = t;
        }
        return previous[a.length];
    }

    @Override
    public String toString() {
        return source;
    }
}
