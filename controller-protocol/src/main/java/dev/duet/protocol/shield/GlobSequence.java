package dev.duet.protocol.shield;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Globs matched one to one against a list of strings (an argv, or a path's segments), the whole list:
 * an element that is exactly {@code **} matches any number of whole strings, none included. Matching
 * the strings as given, never re-joined or re-split, means quoting cannot make one slip past.
 */
public final class GlobSequence {
    /** The element that stands for any number of strings. */
    public static final String ANY = "**";

    private final List<String> source;
    /** One glob per element; null for {@link #ANY}. */
    private final Glob[] globs;

    private GlobSequence(List<String> source, Glob[] globs) {
        this.source = source;
        this.globs = globs;
    }

    public static GlobSequence compile(List<String> globs) {
        if (globs.isEmpty()) {
            throw new IllegalArgumentException("a pattern names at least one element");
        }
        Glob[] compiled = new Glob[globs.size()];
        for (int i = 0; i < compiled.length; i++) {
            compiled[i] = globs.get(i).equals(ANY) ? null : Glob.compile(globs.get(i));
        }
        return new GlobSequence(List.copyOf(globs), compiled);
    }

    public List<String> source() {
        return source;
    }

    /** The first element, if it is a glob without wildcards: what a decision indexes rules by. */
    Optional<String> literalHead() {
        return globs[0] == null ? Optional.empty() : globs[0].literal();
    }

    public boolean matches(List<String> strings) {
        int m = strings.size();
        boolean[] previous = new boolean[m + 1];
        boolean[] row = new boolean[m + 1];
        previous[0] = true;
        for (Glob glob : globs) {
            for (int j = 0; j <= m; j++) {
                if (glob == null) {
                    row[j] = previous[j] || j > 0 && row[j - 1];
                } else {
                    row[j] = j > 0 && previous[j - 1] && glob.matches(strings.get(j - 1));
                }
            }
            boolean[] t = previous;
            previous = row;
            row = t;
        }
        return previous[m];
    }

    /** A path pattern's segments: {@code /etc/**} is {@code [etc, **]}. */
    static List<String> segments(String path) {
        List<String> segments = new ArrayList<>();
        for (String s : path.substring(1).split("/", -1)) {
            segments.add(s);
        }
        return segments;
    }

    /** Two sequences are equal when their globs are written alike. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GlobSequence other && source.equals(other.source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return source.toString();
    }
}
