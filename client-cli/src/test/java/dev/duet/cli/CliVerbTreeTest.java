package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.TestVectors;
import dev.duet.protocol.Ed25519KeyPair;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

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

    /** Every command, in the order of the usage; a verb added or lost in {@link CommandTree} shows here. */
    @Test
    void theTreeHasTheVerbsWeKnow() {
        assertThat(tree().stream().map(c -> c.getCommandSpec().qualifiedName(" "))).containsExactly("duet", "duet keygen", "duet create",
                "duet adopt", "duet run", "duet mode", "duet stop", "duet remove", "duet put", "duet get", "duet approvals",
                "duet approvals list", "duet approvals show", "duet approve", "duet owner-keys", "duet owner-keys add", "duet owner-keys remove",
                "duet owner-keys threshold", "duet evidence", "duet owners", "duet list", "duet state", "duet verify-state", "duet bundle",
                "duet verify", "duet log", "duet log checkpoint", "duet log inclusion", "duet log entries", "duet log export",
                "duet log verify-export", "duet attest", "duet attest show", "duet attest verify", "duet attest launch-digest", "duet policy",
                "duet policy show", "duet policy set", "duet policy default", "duet policy default show", "duet policy default set",
                "duet completion");
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

    /**
     * A run whose words name a verb builds only that branch, and that verb is the same command as in
     * the whole tree: the same usage (its inherited options included) and the same options. Words
     * that name no verb, and {@code completion}, get the whole tree.
     */
    @Test
    void aRunBuildsOnlyTheBranchItsWordsNameAndTheVerbIsTheSame() {
        List<CommandLine> whole = tree();
        for (CommandLine verb : whole) {
            List<String> words = words(verb);
            if (words.isEmpty() || words.equals(List.of("completion"))) {
                continue;
            }
            String name = verb.getCommandSpec().qualifiedName(" ");
            CommandLine branch = DuetCli.commandLine(words.toArray(String[]::new));
            for (String word : words) {
                assertThat(branch.getSubcommands().keySet()).as(name).containsExactly(word);
                branch = branch.getSubcommands().get(word);
            }
            assertThat(branch.getUsageMessage()).as(name).isEqualTo(verb.getUsageMessage());
            assertThat(branch.getCommandSpec().options().stream().map(OptionSpec::longestName))
                    .as(name).containsExactlyElementsOf(verb.getCommandSpec().options().stream().map(OptionSpec::longestName).toList());
            assertThat(branch.getSubcommands().keySet()).as(name).isEqualTo(verb.getSubcommands().keySet());
        }
        int verbs = whole.get(0).getSubcommands().size();
        assertThat(verbs).isGreaterThan(20);
        assertThat(DuetCli.commandLine("completion", "bash").getSubcommands()).hasSize(verbs);
        assertThat(DuetCli.commandLine("--profile", "p", "log", "verify-export").getSubcommands()).hasSize(verbs);
        assertThat(DuetCli.commandLine("no-such-verb").getSubcommands()).hasSize(verbs);
        assertThat(DuetCli.commandLine("log", "no-such-verb").getSubcommands().get("log").getSubcommands()).hasSizeGreaterThan(3);
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

    /** With --json, stdout is one JSON document whatever was asked, --help and -V included. */
    @Test
    void helpAndVersionWithJsonAreOneJsonDocument() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (CommandLine verb : tree().stream().filter(c -> c.getCommandSpec().findOption("--json") != null).toList()) {
            String name = verb.getCommandSpec().qualifiedName(" ");
            CliInputTest.Run help = run(verb, "--help", "--json");
            assertThat(help.exit()).as(name).isZero();
            assertThat(json.readTree(help.out()).path("usage").asText()).as(name + ": " + help.out()).startsWith("Usage: " + name);
            CliInputTest.Run version = run(verb, "--json", "-V");
            assertThat(version.exit()).as(name).isZero();
            assertThat(json.readTree(version.out()).path("version").asText()).as(name + ": " + version.out()).isEqualTo("duet 0.1.0");
        }
    }

    /** A plausible invocation of a verb: options, positional parameters, and the words after "--". */
    private record Invocation(List<String> options, List<String> positionals, List<String> argv) {
        List<String> with(String option, String value) {
            List<String> args = new ArrayList<>(options);
            int at = args.indexOf(option);
            if (at >= 0) {
                args.set(at + 1, value);
            } else {
                args.addAll(0, List.of(option, value));
            }
            return join(args, positionals);
        }

        /** With positional parameter {@code index} replaced (none when it is -1). */
        List<String> withPositional(int index, String value) {
            List<String> replaced = new ArrayList<>(positionals);
            if (index >= 0) {
                replaced.set(index, value);
            }
            return join(options, replaced);
        }

        private List<String> join(List<String> opts, List<String> pos) {
            List<String> all = new ArrayList<>(opts);
            all.addAll(pos);
            if (!argv.isEmpty()) {
                all.add("--");
                all.addAll(argv);
            }
            return all;
        }
    }

    /**
     * Every option and positional parameter of every verb, given empty and odd values, ends in one
     * readable line (or a usage error): never "internal error", a stack trace, "null" or a Java
     * class name. The verbs that talk to a controller talk to a closed port, so nothing leaves
     * this machine; files the odd values could create stay inside the test's directory.
     */
    @Test
    void noValueOfAnyOptionIsAnInternalError(@TempDir Path dir) throws Exception {
        String closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = "http://127.0.0.1:" + s.getLocalPort();
        }
        String key = dir.resolve("owner.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
        Path host = dir.resolve("host");
        assertThat(new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host.toString()).start().waitFor()).isZero();
        Path report = dir.resolve("report.bin");
        Files.write(report, TestVectors.bytes("snp/milan_v3_oak_report.bin"));
        Path policy = Files.writeString(dir.resolve("policy.yaml"), "controller:\n  evidenceKinds: [sev-snp]\ncvm:\n  evidenceKinds: [sev-snp]\n");
        Path export = dir.resolve("export.json");
        GeneratedExport.write(export, Ed25519KeyPair.generate(), 2, 40);
        Path image = Files.createDirectory(dir.resolve("image"));
        Files.write(image.resolve("vmlinux"), new byte[] {1});
        Files.write(image.resolve("initramfs.cpio"), new byte[] {2});
        String cvm = LoopbackController.CVM;
        String shield = Files.writeString(dir.resolve("shield.json"), "{\"rules\":[],\"max_upload_bytes\":1,\"log_content_below_bytes\":1,"
                + "\"on_leaving_service\":[]}").toString();
        java.util.concurrent.atomic.AtomicInteger fresh = new java.util.concurrent.atomic.AtomicInteger();
        Map<String, Supplier<Invocation>> invocations = Map.ofEntries(
                Map.entry("duet keygen", () -> new Invocation(List.of("--out", dir.resolve("k" + fresh.incrementAndGet()).toString()), List.of(), List.of())),
                Map.entry("duet create", () -> new Invocation(List.of("--controller", closed, "--key", key, "--name", "n"), List.of(), List.of())),
                Map.entry("duet adopt", () -> new Invocation(List.of("--controller", closed, "--key", key, "--name", "n", "--host", "h", "--user", "root",
                        "--host-key", host + ".pub", "--bootstrap-key", host.toString()), List.of(), List.of())),
                Map.entry("duet run", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(cvm), List.of("true"))),
                Map.entry("duet mode", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(cvm, "in-service"), List.of())),
                Map.entry("duet stop", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(cvm), List.of())),
                Map.entry("duet remove", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(cvm), List.of())),
                Map.entry("duet policy show", () -> new Invocation(List.of("--controller", closed), List.of(cvm), List.of())),
                Map.entry("duet policy set", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(cvm, shield), List.of())),
                Map.entry("duet policy default show", () -> new Invocation(List.of("--controller", closed), List.of(), List.of())),
                Map.entry("duet policy default set", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(shield), List.of())),
                Map.entry("duet put", () -> new Invocation(List.of("--controller", closed, "--key", key, "--mode", "0600"),
                        List.of(cvm, key + ".pub", "/etc/app.conf"), List.of())),
                Map.entry("duet get", () -> new Invocation(List.of("--controller", closed, "--key", key, "--out", dir.resolve("got").toString()),
                        List.of(cvm, "/etc/app.conf"), List.of())),
                Map.entry("duet completion", () -> new Invocation(List.of(), List.of("bash"), List.of())),
                Map.entry("duet log entries", () -> new Invocation(List.of("--controller", closed, "--cvm", cvm, "--start", "0", "--limit", "5"),
                        List.of(), List.of())),
                Map.entry("duet evidence", () -> new Invocation(List.of("--controller", closed), List.of(), List.of())),
                Map.entry("duet owners", () -> new Invocation(List.of("--controller", closed), List.of(), List.of())),
                Map.entry("duet list", () -> new Invocation(List.of("--controller", closed), List.of(), List.of())),
                Map.entry("duet approvals list", () -> new Invocation(List.of("--controller", closed), List.of(), List.of())),
                Map.entry("duet approvals show", () -> new Invocation(List.of("--controller", closed), List.of("apr-0123456789abcdef"), List.of())),
                Map.entry("duet approve", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of("apr-0123456789abcdef"),
                        List.of())),
                Map.entry("duet owner-keys add", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of(key + ".pub"),
                        List.of())),
                Map.entry("duet owner-keys remove", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of("ab12"), List.of())),
                Map.entry("duet owner-keys threshold", () -> new Invocation(List.of("--controller", closed, "--key", key), List.of("2"), List.of())),
                Map.entry("duet state", () -> new Invocation(List.of("--controller", closed), List.of(cvm), List.of())),
                Map.entry("duet verify-state", () -> new Invocation(List.of("--controller", closed), List.of(cvm), List.of())),
                Map.entry("duet bundle", () -> new Invocation(List.of("--controller", closed, "--out", dir.resolve("b.json").toString()),
                        List.of(cvm), List.of())),
                Map.entry("duet log checkpoint", () -> new Invocation(List.of("--controller", closed), List.of(), List.of())),
                Map.entry("duet log inclusion", () -> new Invocation(List.of("--controller", closed, "--index", "0"), List.of(), List.of())),
                Map.entry("duet log export", () -> new Invocation(List.of("--controller", closed, "--out", dir.resolve("e.json").toString()), List.of(),
                        List.of())),
                Map.entry("duet log verify-export", () -> new Invocation(List.of("--controller-key", key + ".pub"), List.of(export.toString()), List.of())),
                Map.entry("duet verify", () -> new Invocation(List.of("--policy", policy.toString()), List.of(closed + "/v1/cvms/" + cvm
                        + "/bundle"), List.of())),
                Map.entry("duet attest show", () -> new Invocation(List.of(), List.of(report.toString()), List.of())),
                Map.entry("duet attest verify", () -> new Invocation(List.of(), List.of(report.toString()), List.of())),
                Map.entry("duet attest launch-digest", () -> new Invocation(List.of("--image", image.toString()), List.of(), List.of())));
        List<String> strings = List.of("", " ", "-", "--", "x".repeat(300), "/", "a\u0000b", "NaN", "-1", "0", "99999999999999999999", "1e309",
                "http://127.0.0.1:99999", "../..", "%2F", "\u202e");
        List<String> paths = List.of("", "-", "a\u0000b", "/", dir.toString(), dir.resolve("x".repeat(300)).toString(),
                dir.resolve("missing").resolve("x").toString());
        int runs = 0;
        for (CommandLine verb : tree().stream().filter(c -> c.getSubcommands().isEmpty()).toList()) {
            String name = verb.getCommandSpec().qualifiedName(" ");
            assertThat(invocations).as("a plausible invocation of " + name).containsKey(name);
            runs += sweep(verb, invocations.get(name), strings, paths);
        }
        // Again against a controller that answers, so that the values reach what runs after the first request.
        try (LoopbackController live = LoopbackController.start(dir)) {
            String state = dir.resolve("state").toString();
            Map<String, Supplier<Invocation>> answered = Map.of(
                    "duet log checkpoint", () -> new Invocation(List.of("--controller", live.url(), "--allow-no-tee", "--state-dir", state), List.of(),
                            List.of()),
                    "duet log export", () -> new Invocation(List.of("--controller", live.url(), "--out", dir.resolve("live" + fresh.incrementAndGet())
                            .toString()), List.of(), List.of()),
                    "duet evidence", () -> new Invocation(List.of("--controller", live.url(), "--allow-no-tee"), List.of(), List.of()),
                    "duet list", () -> new Invocation(List.of("--controller", live.url()), List.of(), List.of()));
            // Not "/" nor "-": a state directory that works would be written there, outside the test's directory.
            List<String> inside = paths.stream().filter(p -> !p.equals("/") && !p.equals("-")).toList();
            for (CommandLine verb : tree().stream().filter(c -> answered.containsKey(c.getCommandSpec().qualifiedName(" "))).toList()) {
                Invocation plain = answered.get(verb.getCommandSpec().qualifiedName(" ")).get();
                List<String> args = new ArrayList<>(words(verb));
                args.addAll(plain.withPositional(-1, null));
                CliInputTest.Run works = CliInputTest.run(args.toArray(String[]::new));
                assertThat(works.exit()).as("the plain invocation works: " + String.join(" ", args) + ": " + works.err()).isZero();
                runs += sweep(verb, answered.get(verb.getCommandSpec().qualifiedName(" ")), strings, inside);
            }
        }
        assertThat(runs).isGreaterThan(500);
    }

    /** Each option and positional parameter of {@code verb} in turn, with each odd value; returns the number of runs. */
    private static int sweep(CommandLine verb, Supplier<Invocation> invocation, List<String> strings, List<String> paths) {
        int runs = 0;
        for (OptionSpec option : verb.getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp() || option.arity().max() == 0) {
                continue;
            }
            for (String value : isPath(option) ? paths : strings) {
                List<String> args = new ArrayList<>(words(verb));
                args.addAll(invocation.get().with(option.longestName(), value));
                assertReadable(args);
                runs++;
            }
        }
        List<PositionalParamSpec> positionals = verb.getCommandSpec().positionalParameters();
        for (int i = 0; i < invocation.get().positionals().size(); i++) {
            for (String value : isPath(positionals.get(i)) ? paths : strings) {
                List<String> args = new ArrayList<>(words(verb));
                args.addAll(invocation.get().withPositional(i, value));
                assertReadable(args);
                runs++;
            }
        }
        return runs;
    }

    private static boolean isPath(ArgSpec arg) {
        return arg.type() == Path.class || arg.auxiliaryTypes().length > 0 && arg.auxiliaryTypes()[0] == Path.class;
    }

    private static void assertReadable(List<String> args) {
        String what = String.join(" ", args);
        CliInputTest.Run r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliInputTest.run(args.toArray(String[]::new)), what);
        if (r.exit() != 0) {
            assertThat(r.out() + r.err()).as(what + ": a failure says why").isNotBlank();
        }
        if (!r.err().isEmpty()) {
            assertThat(r.err()).as(what).startsWith("duet: ");
        }
        assertThat(r.err()).as(what).doesNotContain("internal error").doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("null")
                .doesNotContain("java.");
    }
}
