package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duet completion}: the script it prints, sourced in a real bash, completes verbs, options and their values. */
class CompletionTest {
    @TempDir Path dir;

    /** What bash's completion offers for the words typed so far (the last one being completed), as the script computes it. */
    private List<String> offered(Path script, String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String word : words) {
            array.append(" '").append(word).append("'");
        }
        String program = "source \"$1\"\ncomplete -p duet >/dev/null || exit 3\nCOMP_WORDS=(duet" + array + ")\nCOMP_CWORD=" + words.length
                + "\n_complete_duet\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Path out = dir.resolve("offered.txt");
        // compopt complains outside a real <TAB>; what is offered is COMPREPLY, on stdout.
        Process bash = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program, "bash", script.toString())
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as("the script registers a completion for duet").isZero();
        return Files.readAllLines(out).stream().filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void bashCompletesVerbsOptionsAndShells() throws Exception {
        CliInputTest.Run bash = CliInputTest.run("completion", "bash");
        assertThat(bash.exit()).as(bash.err()).isZero();
        Path script = Files.writeString(dir.resolve("duet.bash"), bash.out());

        assertThat(offered(script, "rem")).containsExactly("remove");
        assertThat(offered(script, "ver")).containsExactlyInAnyOrder("verify", "verify-state");
        assertThat(offered(script, "log", "")).contains("checkpoint", "inclusion", "export", "verify-export", "entries");
        assertThat(offered(script, "remove", "--ke")).containsExactly("--key");
        assertThat(offered(script, "log", "entries", "--js")).containsExactly("--json");
        assertThat(offered(script, "completion", "")).containsExactly("bash", "zsh");
    }

    @Test
    void zshGetsTheScriptThatLoadsBashcompinitAndAnUnknownShellIsAUsageError() {
        CliInputTest.Run zsh = CliInputTest.run("completion", "zsh");
        assertThat(zsh.exit()).as(zsh.err()).isZero();
        assertThat(zsh.out()).isEqualTo(CliInputTest.run("completion", "bash").out()).contains("bashcompinit");
        CliInputTest.Run fish = CliInputTest.run("completion", "fish");
        assertThat(fish.exit()).isEqualTo(2);
        assertThat(fish.err()).startsWith("duet: ").contains("'fish' is not a shell duet completes (bash or zsh)");
    }
}
