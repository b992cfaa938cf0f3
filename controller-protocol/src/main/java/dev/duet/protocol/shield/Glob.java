package dev.duet.protocol.shield;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One glob, compiled once, matched against one whole string by code point: {@code *} is any run of
 * characters (none included), {@code ?} one character, {@code \} takes the next character literally.
 * A glob without wildcards is compared as a string.
 *
 * <p>A match costs time linear in the string (times the longest segment between two {@code *}, over
 * 64), whatever the number of {@code *}: the glob is split at its {@code *} into segments of literal
 * characters and {@code ?}, the first must match at the start, the last at the end, and each one
 * between them is taken at its leftmost place after the one before. Leftmost is always right: a
 * segment placed further left leaves at least as much string to the segments after it, and a
 * {@code *} on both sides absorbs whatever lies between. A glob is policy input that every verifier
 * replays, so its cost must not grow with the product of its length and the string's.
 */
public final class Glob {
    private static final int ONE = -2;

    private final String source;
    private final String literal;
    /** The segments between {@code *}: the first and last anchored, the others searched; null for a literal glob. */
    private final int[][] segments;
    /** A shift-and automaton for each segment between the first and the last (index 1 to length - 2). */
    private final Search[] searches;

    private Glob(String source, String literal, int[][] segments) {
        this.source = source;
        this.literal = literal;
        this.segments = segments;
        this.searches = new Search[segments == null ? 0 : segments.length];
        for (int i = 1; i < searches.length - 1; i++) {
            searches[i] = new Search(segments[i]);
        }
    }

    /** The glob, or an {@link IllegalArgumentException} for one that ends in an escape that escapes nothing. */
    public static Glob compile(String glob) {
        int[] g = glob.codePoints().toArray();
        List<int[]> segments = new ArrayList<>();
        int[] segment = new int[g.length];
        int count = 0;
        boolean wild = false;
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < g.length; i++) {
            if (g[i] == '\\') {
                if (i + 1 == g.length) {
                    throw new IllegalArgumentException("the glob \"" + glob + "\" ends in an unfinished escape (\\)");
                }
                segment[count++] = g[++i];
                literal.appendCodePoint(g[i]);
            } else if (g[i] == '*') {
                segments.add(Arrays.copyOf(segment, count));
                count = 0;
                wild = true;
            } else if (g[i] == '?') {
                segment[count++] = ONE;
                wild = true;
            } else {
                segment[count++] = g[i];
                literal.appendCodePoint(g[i]);
            }
        }
        segments.add(Arrays.copyOf(segment, count));
        return wild ? new Glob(glob, null, segments.toArray(int[][]::new)) : new Glob(glob, literal.toString(), null);
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
        int[] first = segments[0];
        if (segments.length == 1) {
            return a.length == first.length && at(first, a, 0);
        }
        int[] last = segments[segments.length - 1];
        int end = a.length - last.length;
        if (end < first.length || !at(first, a, 0) || !at(last, a, end)) {
            return false;
        }
        int from = first.length;
        for (int i = 1; i < segments.length - 1; i++) {
            int found = searches[i].leftmost(a, from, end);
            if (found < 0) {
                return false;
            }
            from = found + segments[i].length;
        }
        return true;
    }

    private static boolean at(int[] segment, int[] a, int start) {
        for (int i = 0; i < segment.length; i++) {
            if (segment[i] != ONE && segment[i] != a[start + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Finds a segment's leftmost place by shift-and (Baeza-Yates and Gonnet): bit i of the state says
     * that the segment's first i + 1 tokens match the string just read, so each code point read costs
     * one shift and one mask per 64 tokens, never a restart.
     */
    private static final class Search {
        private final int length;
        private final int words;
        /** The code points the segment names, sorted; {@code masks[i]} the tokens {@code named[i]} matches (itself, and every {@code ?}). */
        private final int[] named;
        private final long[][] masks;
        /** What any other code point matches: the {@code ?} only. */
        private final long[] others;

        Search(int[] segment) {
            length = segment.length;
            words = Math.max(1, (length + 63) >>> 6);
            others = new long[words];
            for (int i = 0; i < length; i++) {
                if (segment[i] == ONE) {
                    others[i >>> 6] |= 1L << i;
                }
            }
            int[] sorted = segment.clone();
            Arrays.sort(sorted);
            int distinct = 0;
            for (int c : sorted) {
                if (c != ONE && (distinct == 0 || sorted[distinct - 1] != c)) {
                    sorted[distinct++] = c;
                }
            }
            named = Arrays.copyOf(sorted, distinct);
            masks = new long[named.length][];
            for (int k = 0; k < named.length; k++) {
                masks[k] = others.clone();
            }
            for (int i = 0; i < length; i++) {
                if (segment[i] != ONE) {
                    masks[Arrays.binarySearch(named, segment[i])][i >>> 6] |= 1L << i;
                }
            }
        }

        /** The first index at or after {@code from} where the segment matches, ending at or before {@code end}; -1 if none. */
        int leftmost(int[] a, int from, int end) {
            if (length == 0) {
                return from <= end ? from : -1;
            }
            int lastWord = (length - 1) >>> 6;
            long lastBit = 1L << (length - 1);
            long[] state = new long[words];
            for (int t = from; t < end; t++) {
                int k = Arrays.binarySearch(named, a[t]);
                long[] mask = k >= 0 ? masks[k] : others;
                long carry = 1;
                for (int w = 0; w < words; w++) {
                    long shifted = state[w] << 1 | carry;
                    carry = state[w] >>> 63;
                    state[w] = shifted & mask[w];
                }
                if ((state[lastWord] & lastBit) != 0) {
                    return t - length + 1;
                }
            }
            return -1;
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
