package dev.duet.protocol.shield;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Glob} matches exactly as the dynamic programme it replaced (kept here as the reference), by
 * code point and with escapes, and in time that does not grow with the number of {@code *}: the
 * penetration test's glob of 350,000 {@code *a} and a {@code b} took seconds per decision before.
 */
class GlobTest {
    /** The matcher Glob used until the segment matcher: "the first i tokens match the first j code points". */
    private static boolean reference(String glob, String s) {
        final int star = -1;
        final int one = -2;
        int[] g = glob.codePoints().toArray();
        int[] tokens = new int[g.length];
        int count = 0;
        for (int i = 0; i < g.length; i++) {
            if (g[i] == '\\') {
                if (i + 1 == g.length) {
                    throw new IllegalArgumentException("unfinished escape");
                }
                tokens[count++] = g[++i];
            } else if (g[i] == '*' || g[i] == '?') {
                tokens[count++] = g[i] == '*' ? star : one;
            } else {
                tokens[count++] = g[i];
            }
        }
        tokens = Arrays.copyOf(tokens, count);
        int[] a = s.codePoints().toArray();
        boolean[] previous = new boolean[a.length + 1];
        boolean[] row = new boolean[a.length + 1];
        previous[0] = true;
        for (int token : tokens) {
            for (int j = 0; j <= a.length; j++) {
                if (token == star) {
                    row[j] = previous[j] || j > 0 && row[j - 1];
                } else {
                    row[j] = j > 0 && previous[j - 1] && (token == one || token == a[j - 1]);
                }
            }
            boolean[] t = previous;
            previous = row;
            row = t;
        }
        return previous[a.length];
    }

    private static final String[] GLOB_PIECES = {"a", "b", "a", "*", "*", "?", "\\*", "\\?", "\\\\", "\\a", "\uD83D\uDE00", "é"};
    private static final String[] STRING_PIECES = {"a", "b", "a", "a", "*", "?", "\\", "\uD83D\uDE00", "é"};

    private static String random(Random random, String[] pieces, int maxPieces) {
        StringBuilder b = new StringBuilder();
        for (int n = random.nextInt(maxPieces + 1); n > 0; n--) {
            b.append(pieces[random.nextInt(pieces.length)]);
        }
        return b.toString();
    }

    @Test
    void matchesAsTheDynamicProgrammeOnRandomGlobsAndStrings() {
        Random random = new Random(20261202L);
        int matched = 0;
        for (int i = 0; i < 4000; i++) {
            String glob = random(random, GLOB_PIECES, 12);
            Glob compiled = Glob.compile(glob);
            for (int j = 0; j < 50; j++) {
                String s = random(random, STRING_PIECES, 16);
                boolean expected = reference(glob, s);
                assertThat(compiled.matches(s)).as("%s against %s", glob, s).isEqualTo(expected);
                matched += expected ? 1 : 0;
            }
        }
        assertThat(matched).as("the random cases include many matches, not only refusals").isGreaterThan(5_000);
    }

    @Test
    void longSegmentsSpanningSeveralWordsMatchAsTheDynamicProgramme() {
        Random random = new Random(7L);
        for (int i = 0; i < 300; i++) {
            String middle = random(random, new String[] {"a", "a", "a", "?", "b"}, 200);
            String glob = "*" + middle + "*" + random(random, new String[] {"a", "?", "b"}, 3);
            for (int j = 0; j < 10; j++) {
                String s = random(random, new String[] {"a", "a", "a", "b"}, 400);
                assertThat(Glob.compile(glob).matches(s)).as("%s against %s", glob, s).isEqualTo(reference(glob, s));
            }
            String s = "b" + middle.replace('?', 'a') + "ab";
            assertThat(Glob.compile(glob).matches(s)).as("%s against %s", glob, s).isEqualTo(reference(glob, s));
        }
    }

    @Test
    void codePointsEscapesAndLiteralsAsDocumented() {
        assertThat(Glob.compile("?").matches("\uD83D\uDE00")).as("? is one code point, not one UTF-16 unit").isTrue();
        assertThat(Glob.compile("??").matches("\uD83D\uDE00")).isFalse();
        assertThat(Glob.compile("a\\*b").matches("a*b")).isTrue();
        assertThat(Glob.compile("a\\*b").matches("axb")).as("an escaped * is literal").isFalse();
        assertThat(Glob.compile("*\\?").matches("why?")).isTrue();
        assertThat(Glob.compile("*\\?").matches("why!")).isFalse();
        assertThat(Glob.compile("a\\*b").literal()).contains("a*b");
        assertThat(Glob.compile("a*b").literal()).isEmpty();
        assertThat(Glob.compile("*").matches("")).isTrue();
        assertThat(Glob.compile("a*a").matches("a")).as("the first and last segments do not overlap").isFalse();
        assertThatThrownBy(() -> Glob.compile("ab\\")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unfinished escape");
    }

    /**
     * Fails on the dynamic programme, which needs 350,000 x 100,000 steps for the first case (minutes);
     * the segment matcher needs well under a second for all of them, on a loaded machine too.
     */
    @Test
    void pathologicalGlobsAreDecidedFast() {
        String manyStars = "*a".repeat(350_000) + "b";
        String longTail = "*" + "a".repeat(100_000) + "b";
        String longMiddle = "*" + "a".repeat(1_023) + "b*";
        String as = "a".repeat(100_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(Glob.compile(manyStars).matches(as)).isFalse();
            assertThat(Glob.compile(manyStars).matches(as + "b")).isFalse();
            assertThat(Glob.compile("*a".repeat(50_000) + "b").matches(as + "b")).isTrue();
            assertThat(Glob.compile(longTail).matches(as)).isFalse();
            assertThat(Glob.compile(longTail).matches(as + "b")).isTrue();
            for (int i = 0; i < 20; i++) {
                assertThat(Glob.compile(longMiddle).matches(as)).isFalse();
            }
        });
    }
}
