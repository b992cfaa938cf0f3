package dev.duet.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * duet's verbs, command by command, and the part of them a run builds. picocli builds a model of
 * every command it is given (its options, mixins, converters and a few regular expressions each),
 * and for all of duet's verbs that took ~0.3 s, a sixth of verifying a large export. So the verbs
 * are listed here rather than in their parents' annotations, and a run whose first words name a
 * verb builds that branch alone: {@code duet log verify-export …} builds {@code duet}, {@code log}
 * and {@code verify-export}. Any other run builds the whole tree, and so does {@code completion},
 * whose script lists every verb.
 */
final class CommandTree {
    private static final Map<Class<?>, List<Class<?>>> VERBS = Map.of(
            DuetCli.class, List.of(OwnerCommands.Keygen.class, CreateCommand.class, OwnerCommands.Adopt.class, OwnerCommands.Run.class,
                    OwnerCommands.Mode.class, OwnerCommands.Stop.class, RemoveCommand.class, FileCommands.Put.class, FileCommands.Get.class,
                    ApprovalCommands.Group.class, ApprovalCommands.Approve.class, ApprovalCommands.OwnerKeys.class, UserCommands.Evidence.class,
                    UserCommands.Owners.class, UserCommands.ListCvms.class, UserCommands.State.class, UserCommands.VerifyState.class,
                    BundleCommand.class, VerifyCommand.class, LogCommands.class, AttestCommands.class, PolicyCommand.class, CompletionCommand.class),
            LogCommands.class, List.of(LogCommands.CheckpointVerb.class, LogCommands.Inclusion.class, LogEntriesCommand.class,
                    LogCommands.Export.class, LogCommands.VerifyExport.class),
            AttestCommands.class, List.of(AttestCommands.Show.class, AttestCommands.Verify.class, AttestCommands.LaunchDigest.class),
            PolicyCommand.class, List.of(PolicyCommand.Show.class, PolicyCommand.Set.class, PolicyCommand.Default.class),
            PolicyCommand.Default.class, List.of(PolicyCommand.DefaultShow.class, PolicyCommand.DefaultSet.class),
            ApprovalCommands.Group.class, List.of(ApprovalCommands.ListApprovals.class, ApprovalCommands.Show.class),
            ApprovalCommands.OwnerKeys.class, List.of(ApprovalCommands.Add.class, ApprovalCommands.Remove.class, ApprovalCommands.Threshold.class));

    private CommandTree() {}

    /** Adds to {@code duet} (a {@link DuetCli}'s command line) its verbs: the branch {@code args} name, else all. */
    static void addVerbs(CommandLine duet, String[] args) {
        boolean whole = args.length > 0 && named(CompletionCommand.class, args[0]);
        addVerbs(duet, DuetCli.class, args, whole ? args.length : 0);
    }

    /** The verbs of {@code parent}: only the one {@code args[word]} names if it names one, with its branch from {@code args[word + 1]}. */
    private static void addVerbs(CommandLine parent, Class<?> command, String[] args, int word) {
        List<Class<?>> verbs = VERBS.getOrDefault(command, List.of());
        Class<?> chosen = word < args.length ? verbs.stream().filter(verb -> named(verb, args[word])).findFirst().orElse(null) : null;
        for (Class<?> verb : chosen == null ? verbs : List.of(chosen)) {
            // Built before it is added, as picocli builds annotated subcommands, so that it inherits from its parent the same way.
            CommandLine sub = new CommandLine(verb, parent.getFactory());
            addVerbs(sub, verb, args, chosen == null ? args.length : word + 1);
            parent.addSubcommand(sub);
        }
    }

    private static boolean named(Class<?> verb, String word) {
        Command command = verb.getAnnotation(Command.class);
        return command.name().equals(word) || List.of(command.aliases()).contains(word);
    }
}
