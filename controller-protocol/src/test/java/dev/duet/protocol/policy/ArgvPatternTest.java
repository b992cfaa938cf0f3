package dev.duet.protocol.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a forbidden-command pattern matches a logged argv (docs/policy-file.md, "forbiddenCommands"). */
class ArgvPatternTest {
    private static boolean matches(List<String> pattern, String... argv) {
        return new ArgvPattern(pattern).matches(List.of(argv));
    }

    @Test
    void aGlobMatchesAWholeArgumentNeverAPrefix() {
        assertThat(matches(List.of("rm", "**"), "rm", "-rf", "/")).isTrue();
        assertThat(matches(List.of("rm", "**"), "rm")).isTrue();
        assertThat(matches(List.of("rm", "**"), "rmdir", "/tmp/x")).isFalse();
        assertThat(matches(List.of("rm", "**"), "/bin/rm", "-rf", "/")).isFalse();
        assertThat(matches(List.of("*/rm", "**"), "/bin/rm", "-rf", "/")).isTrue();
        assertThat(matches(List.of("rm*", "**"), "rmdir", "/tmp/x")).isTrue();
    }

    @Test
    void aPatternMatchesTheWholeArgvNeverAPrefixOfIt() {
        assertThat(matches(List.of("rm"), "rm")).isTrue();
        assertThat(matches(List.of("rm"), "rm", "-rf", "/")).isFalse();
        assertThat(matches(List.of("rm", "-rf"), "rm", "-rf", "/")).isFalse();
        assertThat(matches(List.of("rm", "-rf", "*"), "rm", "-rf", "/")).isTrue();
        assertThat(matches(List.of("rm", "-rf", "*"), "rm", "-rf", "/", "/home")).isFalse();
        assertThat(matches(List.of("rm", "-rf", "*"), "rm", "-rf")).isFalse();
    }

    @Test
    void argumentsAreNeverRejoinedSoQuotingNeitherHidesNorInventsAMatch() {
        assertThat(matches(List.of("rm", "**"), "sh", "-c", "rm -rf /")).as("a shell script is one argument").isFalse();
        assertThat(matches(List.of("*sh", "-c", "*rm *"), "sh", "-c", "rm -rf /")).isTrue();
        assertThat(matches(List.of("*sh", "-c", "*rm *"), "/bin/bash", "-c", "cd / && rm -rf x")).isTrue();
        assertThat(matches(List.of("echo", "rm -rf /"), "echo", "rm", "-rf", "/")).as("three arguments are not one with spaces").isFalse();
        assertThat(matches(List.of("echo", "rm -rf /"), "echo", "rm -rf /")).isTrue();
        assertThat(matches(List.of("echo", "'rm'"), "echo", "rm")).as("quotes in a pattern are literal").isFalse();
        assertThat(matches(List.of("echo", "'rm'"), "echo", "'rm'")).isTrue();
    }

    @Test
    void doubleStarStandsForAnyNumberOfWholeArgumentsAnywhere() {
        List<String> force = List.of("**", "--force", "**");
        assertThat(matches(force, "git", "push", "--force")).isTrue();
        assertThat(matches(force, "--force")).isTrue();
        assertThat(matches(force, "git", "push", "--force-with-lease")).isFalse();
        assertThat(matches(force, "git", "push")).isFalse();
        assertThat(matches(List.of("**"))).as("even an empty argv").isTrue();
        assertThat(matches(List.of("a**b"), "aXYb")).as("** inside an argument is two *").isTrue();
        assertThat(matches(List.of("a**b"), "a", "b")).isFalse();
    }

    @Test
    void questionMarkIsOneCharacterAndBackslashTakesTheNextLiterally() {
        assertThat(matches(List.of("?"), "x")).isTrue();
        assertThat(matches(List.of("?"), "")).isFalse();
        assertThat(matches(List.of("?"), "xy")).isFalse();
        assertThat(matches(List.of("?"), "\uD83D\uDE00")).as("one character, even outside the BMP").isTrue();
        assertThat(matches(List.of("*"), "")).isTrue();
        assertThat(matches(List.of("\\*"), "*")).isTrue();
        assertThat(matches(List.of("\\*"), "x")).isFalse();
        assertThat(matches(List.of("\\**"), "*.log")).isTrue();
        assertThat(matches(List.of("a\\\\b"), "a\\b")).isTrue();
        assertThat(matches(List.of("\\?"), "x")).isFalse();
        assertThat(matches(List.of("\\**"), "**")).as("an escaped star is not the any-arguments token").isTrue();
        assertThat(matches(List.of("\\**"), "a", "b")).isFalse();
    }

    @Test
    void anEmptyPatternOrADanglingEscapeIsNoPattern() {
        assertThatThrownBy(() -> new ArgvPattern(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ArgvPattern(List.of("rm\\"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ArgvPattern(List.of("rm\\\\")).matches(List.of("rm\\"))).isTrue();
    }
}
