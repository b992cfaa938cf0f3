package dev.duet.cli;

import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.Verb;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code duet completion bash|zsh}: picocli's completion script for the whole verb tree. It is a
 * bash script that also loads itself into zsh through bashcompinit, so both shells get the same one,
 * generated from the tree itself (a new verb or option completes without being named here).
 */
@Command(name = "completion", description = {"Print a shell completion script for duet.",
        "bash: source <(duet completion bash), or save it as ~/.local/share/bash-completion/completions/duet.",
        "zsh: source <(duet completion zsh) in ~/.zshrc (it loads bashcompinit)."})
final class CompletionCommand extends Verb {
    @Mixin JsonOption json;
    @Parameters(index = "0", paramLabel = "SHELL", converter = Shell.class, completionCandidates = Shell.class, description = "bash | zsh")
    String shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("duet", spec.root().commandLine());
        if (json.json) {
            printJson(ControllerClient.JSON.createObjectNode().put("shell", shell).put("script", script));
            return 0;
        }
        out().print(script);
        out().flush();
        return 0;
    }

    static final class Shell implements CommandLine.ITypeConverter<String>, Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("bash", "zsh").iterator();
        }

        @Override
        public String convert(String value) {
            if (!value.equals("bash") && !value.equals("zsh")) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a shell duet completes (bash or zsh)");
            }
            return value;
        }
    }
}
