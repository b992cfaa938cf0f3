package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every verb of the command tree, found by walking it (so a new verb is covered without being
 * named here): it answers {@code --help}, an unknown option prints the message and the verb's
 * usage with exit 2, and every verb that prints has {@code --json}.
 */
class CliVerbTreeTest {
    private static List<CommandLine> tree() {
        List<CommandLine> all = new ArrayList<>();
        collect(DuetCli.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    /** The arguments that name this verb, e.g. {@code [log, export]}. */
    private static List<String> words(CommandLine command) {
        List<String> words = new ArrayList<>(Arrays.asList(command.getCommandSpec().qualifiedName(" ").split(" ")));
        words.remove(0);
        return words;
    }

    private static CliInputTest.Run run(CommandLine verb, String... more) {
        List<String> args = words(verb);
        args.addAll(List.of(more));
        return CliInputTest.run(args.toArray(String[]::new));
    }

    @Test
    void theTreeHasTheVerbsWeKnow() {
        assertThat(tree().stream().map(c -> c.getCommandSpec().qualifiedName(" ")))
                .contains("duet keygen", "duet run", "duet verify-state", "duet log export", "duet log verify-export", "duet attest verify");
    }

    @Test
    void everyVerbAnswersHelp() {
        for (CommandLine verb : tree()) {
            CliInputTest.Run help = run(verb, "--help");
            String name = verb.getCommandSpec().qualifiedName(" ");
            assertThat(help.exit()).as(name + " --help: " + help.err()).isZero();
            assertThat(help.out()).as(name).startsWith("Usage: " + name);
        }
    }

    @Test
    void anUnknownOptionPrintsTheMessageAndTheUsage() {
        for (CommandLine verb : tree()) {
            CliInputTest.Run wrong = run(verb, "--no-such-option");
            String name = verb.getCommandSpec().qualifiedName(" ");
            assertThat(wrong.exit()).as(name).isEqualTo(2);
            assertThat(wrong.err()).as(name).startsWith("duet: Unknown option: '--no-such-option'").contains("Usage: " + name);
            assertThat(wrong.out()).as(name).isEmpty();
        }
    }

    @Test
    void aGroupWithoutItsVerbPrintsItsUsage() {
        for (CommandLine group : tree().stream().filter(c -> !c.getSubcommands().isEmpty()).toList()) {
            CliInputTest.Run bare = run(group);
            String name = group.getCommandSpec().qualifiedName(" ");
            assertThat(bare.exit()).as(name).isEqualTo(2);
            assertThat(bare.err()).as(name).startsWith("duet: ").contains("Usage: " + name).doesNotContain("Exception");
        }
    }

    @Test
    void everyVerbHasJson() {
        for (CommandLine verb : tree().stream().filter(c -> c.getSubcommands().isEmpty()).toList()) {
            assertThat(verb.getCommandSpec().findOption("--json")).as(verb.getCommandSpec().qualifiedName(" ")).isNotNull();
        }
    }
}
