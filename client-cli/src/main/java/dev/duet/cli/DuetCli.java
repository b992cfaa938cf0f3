package dev.duet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.report.BundleReport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine.Spec;

/**
 * {@code duet}: owner verbs (keygen, create, adopt, run, mode, stop, remove) and user verbs (evidence,
 * owners, list, state, verify-state, log, attest). Exit codes: 0 success, 1 a check failed or the
 * controller refused, 2 usage, input or IO error, or verification could not finish; {@code run}
 * passes the remote command's status through (see {@link OwnerCommands.Run}). A failure prints one line on
 * stderr; with {@code --json} a run that exits non-zero also prints one JSON document on stdout that
 * says so: the verb's verdict with its {@code trusted}/{@code intact}/… false, or
 * {@code {"ok": false, "exit_code": N, "error": "…"}}. Every verb answers {@code --help}.
 */
@Command(name = "duet", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "duet 0.1.0",
        description = "Owner and user client for a duet controller, with the offline verifier.")
public final class DuetCli implements Runnable {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec CommandSpec spec;
    /** The process's byte streams, for output that is bytes rather than text ({@code run}). */
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final CliConfig config;

    @Option(names = "--profile", paramLabel = "NAME", scope = ScopeType.INHERIT, description = "Take the settings of this profile "
            + "of the settings file ($DUET_CONFIG or ~/.config/duet/config.yaml; default: $DUET_PROFILE, else the file's top level).")
    String profile;

    private DuetCli(OutputStream stdout, OutputStream stderr, CliConfig config) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.config = config;
    }

    /** The defaults this command line reads ({@link CliConfig}). */
    CliConfig config() {
        return config;
    }

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The command line on the process's stdout and stderr, for running {@code args}: with only the
     * verbs they name ({@link CommandTree}), or all of them if they name none (so with no arguments).
     * Run it with the same arguments: another verb is not in it.
     */
    public static CommandLine commandLine(String... arguments) {
        return commandLine(System.out, System.err, arguments);
    }

    /** The same writing to these streams (text as UTF-8), for tests that run it in their own JVM. */
    public static CommandLine commandLine(OutputStream out, OutputStream err, String... arguments) {
        return commandLine(out, err, System::getenv, arguments);
    }

    /** The same, reading its environment variables from {@code environment} (tests give one of their own). */
    static CommandLine commandLine(OutputStream out, OutputStream err, java.util.function.Function<String, String> environment,
            String... arguments) {
        CliConfig config = new CliConfig(environment);
        CommandLine cli = new CommandLine(new DuetCli(out, err, config));
        CommandTree.addVerbs(cli, arguments);
        cli.setDefaultValueProvider(config);
        cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.registerConverter(Path.class, DuetCli::pathArgument);
        cli.setExecutionStrategy(DuetCli::execute);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> fail(cmd, cmd.getParseResult().hasMatchedOption("--json"), failure(e)));
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            if (e instanceof CliConfig.Refused) {
                return fail(cmd, List.of(args).subList(0, endOfOptions(args)).contains("--json"), new CliFailure(CliFailure.INPUT_ERROR, e.getMessage()));
            }
            // picocli reports a missing required option before an unknown one; the unknown one is the likelier mistake.
            ParameterException shown = e instanceof UnmatchedArgumentException || cmd.getUnmatchedArguments().isEmpty() ? e
                    : new UnmatchedArgumentException(cmd, cmd.getUnmatchedArguments());
            cmd.getErr().println("duet: " + shown.getMessage());
            UnmatchedArgumentException.printSuggestions(shown, cmd.getErr());
            cmd.usage(cmd.getErr());
            boolean json = cmd.getCommandSpec().findOption("--json") != null
                    && List.of(args).subList(0, endOfOptions(args)).contains("--json");
            if (json) {
                printFailureJson(cmd, CliFailure.INPUT_ERROR, shown.getMessage());
            }
            return CliFailure.INPUT_ERROR;
        });
        return cli;
    }

    /** A bare {@code duet}: say what is missing, with the usage. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a verb");
    }

    /**
     * Runs the verb; the JVM's own errors that a large or hostile input can provoke become a failure
     * like any other (exit 2, one line), not a stack trace or an exit code that means "check failed".
     */
    private static int execute(ParseResult parsed) {
        Optional<ObjectNode> help = helpAsJson(parsed);
        if (help.isPresent()) {
            CommandLine leaf = leaf(parsed);
            leaf.getOut().println(help.get().toPrettyString());
            leaf.getOut().flush();
            return 0;
        }
        try {
            int exit = new CommandLine.RunLast().execute(parsed);
            noteTransport(leaf(parsed));
            return exit;
        } catch (OutOfMemoryError e) {
            throw new ExecutionException(leaf(parsed), "out of memory", new CliFailure(CliFailure.INPUT_ERROR,
                    "out of memory: the input is too large for this JVM's heap (raise it with -Xmx)"));
        } catch (StackOverflowError e) {
            throw new ExecutionException(leaf(parsed), "stack overflow", new CliFailure(CliFailure.INPUT_ERROR,
                    "the input is nested too deeply to process"));
        } catch (VirtualMachineError e) {
            throw new ExecutionException(leaf(parsed), "internal error", new CliFailure(CliFailure.INPUT_ERROR,
                    "internal error of the Java VM" + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        }
    }

    /** After the verb's output, or its failure line: its transport's caveats ({@link ControllerTransport#notes}). */
    private static void noteTransport(CommandLine verb) {
        verb.getCommandSpec().mixins().values().stream().map(m -> m.userObject()).filter(ControllerOption.class::isInstance)
                .flatMap(o -> ((ControllerOption) o).notes().stream()).forEach(note -> verb.getErr().println("duet: " + note));
        verb.getErr().flush();
    }

    /** With {@code --json}, stdout holds one JSON document, so {@code --help} and {@code -V} are printed as one too. */
    private static Optional<ObjectNode> helpAsJson(ParseResult parsed) {
        List<ParseResult> chain = new java.util.ArrayList<>();
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            chain.add(p);
        }
        if (chain.stream().noneMatch(p -> p.hasMatchedOption("--json"))) {
            return Optional.empty();
        }
        for (ParseResult p : chain) {
            if (p.isUsageHelpRequested()) {
                return Optional.of(ControllerClient.JSON.createObjectNode().put("usage", p.commandSpec().commandLine().getUsageMessage()));
            }
            if (p.isVersionHelpRequested()) {
                return Optional.of(ControllerClient.JSON.createObjectNode().put("version", String.join("\n", p.commandSpec().version())));
            }
        }
        return Optional.empty();
    }

    /** Every file name option: an empty one names no file (and would otherwise mean the current directory). */
    private static Path pathArgument(String value) {
        if (value.isEmpty()) {
            throw new CommandLine.TypeConversionException("an empty file name");
        }
        try {
            return Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a valid file name (" + e.getReason() + ")");
        }
    }

    /** An answer that is not what the route serves: nothing of it is printed or saved. */
    static CliFailure notAnswered(ControllerApi client, String what) {
        return new CliFailure(CliFailure.INPUT_ERROR, "the controller at " + client.base() + " did not answer with " + what);
    }

    /**
     * Text the controller sent, unverified, made safe for a terminal: control characters (escape
     * sequences, a line break that would forge a line of our own) and bidirectional overrides are
     * shown as {@code \\uXXXX}.
     */
    static String printable(String text) {
        return BundleReport.printable(text);
    }

    private static CommandLine leaf(ParseResult parsed) {
        List<CommandLine> chain = parsed.asCommandLineList();
        return chain.get(chain.size() - 1);
    }

    private static int endOfOptions(String[] args) {
        int end = List.of(args).indexOf("--");
        return end < 0 ? args.length : end;
    }

    /** Any exception a verb ends with, as a failure with a readable line: never "null", never a class name. */
    private static CliFailure failure(Exception e) {
        if (e instanceof CliFailure failure) {
            return failure;
        }
        if (e instanceof IOException io) {
            return new CliFailure(CliFailure.INPUT_ERROR, InputFiles.describe(io));
        }
        String message = e.getMessage();
        return new CliFailure(CliFailure.INPUT_ERROR, "internal error" + (message == null || message.isBlank() ? "" : ": " + message)
                + " (please report it)");
    }

    private static int fail(CommandLine cmd, boolean json, CliFailure failure) {
        // A failure can quote what a controller sent (a check's reason): one escaped line whatever it holds.
        cmd.getErr().println("duet: " + printable(failure.getMessage()));
        noteTransport(cmd);
        if (json) {
            printFailureJson(cmd, failure.exitCode(), failure.getMessage());
        }
        return failure.exitCode();
    }

    private static void printFailureJson(CommandLine cmd, int exitCode, String error) {
        ObjectNode doc = ControllerClient.JSON.createObjectNode().put("ok", false).put("exit_code", exitCode).put("error", error);
        cmd.getOut().println(doc.toPrettyString());
        cmd.getOut().flush();
    }


    static final class ControllerOption {
        /** Far beyond any answer the controller gives, yet a bound: a day. */
        private static final int MAX_HTTP_TIMEOUT = 86_400;

        @Option(names = "--controller", description = "Controller URL, http(s)://host[:port] (default: $DUET_CONTROLLER, the settings file, or http://127.0.0.1:8080).")
        String url;

        @Option(names = "--tls-pin", paramLabel = "SHA256", description = "With an https:// controller: accept only the TLS key with "
                + "this SHA-256 (of its SubjectPublicKeyInfo, 64 hex digits, as 'serve' prints it and the evidence names it as "
                + "tls_key.sha256), pinned ahead (CI), instead of pinning the key that the controller's verified evidence binds.")
        String tlsPin;

        /** The verb this is mixed into: its stderr, and the trust options it has. */
        @Spec(Spec.Target.MIXEE) CommandSpec verb;

        private ControllerTransport transport;

        @Option(names = "--http-timeout", paramLabel = "SECONDS", description = "How long to wait for each answer from the controller, "
                + "body included (default: $DUET_HTTP_TIMEOUT, the settings file, or 60; 'run' waits its --timeout on top of it).")
        String httpTimeout;

        /** A client, requests signed with {@code key} if given; a verb's clients share one transport, pinned once ({@link ControllerTransport}). */
        List<String> notes() {
            return transport == null ? List.of() : transport.notes();
        }
        ControllerApi client(Optional<Ed25519KeyPair> key) throws CliFailure {
            if (transport == null) {
                URI base = url != null ? ControllerClient.parseBase(url, CliConfig.source(verb, "--controller"))
                        : URI.create("http://127.0.0.1:8080");
                transport = ControllerTransport.to(base, timeout(), tlsPin == null ? Optional.empty()
                        : Optional.of(ControllerTransport.parsePin(tlsPin)), TransportTrust.of(verb));
            }
            return new ControllerApi(new ControllerClient(transport, timeout(), key));
        }

        private Duration timeout() throws CliFailure {
            if (httpTimeout == null) {
                return ControllerClient.DEFAULT_TIMEOUT;
            }
            long seconds;
            try {
                seconds = Long.parseLong(httpTimeout.strip());
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (seconds < 1 || seconds > MAX_HTTP_TIMEOUT) {
                throw new CliFailure(CliFailure.INPUT_ERROR, CliConfig.source(verb, "--http-timeout") + " must be whole seconds from 1 to "
                        + MAX_HTTP_TIMEOUT + ", not '" + httpTimeout + "'");
            }
            return Duration.ofSeconds(seconds);
        }
    }

    static final class OwnerKeyOption {
        @Option(names = "--key", required = true, description = "Owner key file written by 'duet keygen'.")
        Path file;

        Ed25519KeyPair load() throws CliFailure {
            String pem = InputFiles.readText(file, InputFiles.SMALL, "owner key");
            try {
                return Ed25519KeyPair.parsePem(pem);
            } catch (KeyFormatException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "owner key " + file + ": " + e.getMessage());
            }
        }
    }

    static final class JsonOption {
        @Option(names = "--json", description = "Print one JSON document instead of text (also when the verb fails).")
        boolean json;
    }

    abstract static class Verb implements Callable<Integer> {
        @Spec CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        void printJson(JsonNode node) {
            try {
                out().println(ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            out().flush();
        }

        /** The process's stdout and stderr as bytes, after whatever text was written to them. */
        OutputStream stdoutBytes() {
            out().flush();
            return ((DuetCli) spec.root().userObject()).stdout;
        }

        OutputStream stderrBytes() {
            err().flush();
            return ((DuetCli) spec.root().userObject()).stderr;
        }
    }

    /**
     * A document the controller signed, saved to a file, read strictly within {@code limit} bytes;
     * {@code what} names it in errors. A file that cannot be read is exit 2; bytes that are not one
     * strict JSON document are not what the controller signed, exit 1, as a failed check.
     */
    static JsonNode readSigned(Path file, long limit, String what) throws CliFailure {
        try {
            return StrictJson.read(InputFiles.read(file, limit, what));
        } catch (MalformedJsonException e) {
            throw new CliFailure(CliFailure.CHECK_FAILED, what + " " + file + " is not a document the controller signed: " + e.getMessage());
        }
    }

    static String freshNonce() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A file a verb is about to write, checked before anything is fetched or written: "-" is refused
     * (duet writes no such file to stdout, which carries its report), as are a directory and a
     * missing parent directory.
     */
    static void outputFile(Path file, String option) throws CliFailure {
        if (file.toString().equals("-")) {
            throw new CliFailure(CliFailure.INPUT_ERROR, option + " -: duet writes files, not stdout; for a file named '-' give ./-");
        }
        if (Files.isDirectory(file)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, file + " is a directory; " + option + " names the file to write");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": no such directory " + parent);
        }
    }
}
