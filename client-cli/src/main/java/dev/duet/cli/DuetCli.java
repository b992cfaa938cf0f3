package dev.duet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.TeeKind;
import dev.duet.log.LogEntry;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSuccession;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.CvmStateVerifier;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.SignedDocument;
import dev.duet.protocol.StateVerdict;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine.Spec;

/**
 * {@code duet}: owner verbs (keygen, create, adopt, run, mode, stop) and user verbs (evidence,
 * owners, list, state, verify-state, log, attest). Exit codes: 0 success, 1 a check failed or the
 * controller refused, 2 usage, input or IO error, or verification could not finish; {@code run}
 * passes the remote command's status through (see {@link Run}). A failure prints one line on
 * stderr; with {@code --json} a run that exits non-zero also prints one JSON document on stdout that
 * says so: the verb's verdict with its {@code trusted}/{@code intact}/… false, or
 * {@code {"ok": false, "exit_code": N, "error": "…"}}. Every verb answers {@code --help}.
 */
@Command(name = "duet", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "duet 0.1.0",
        description = "Owner and user client for a duet controller, with the offline verifier.",
        subcommands = {DuetCli.Keygen.class, DuetCli.Create.class, DuetCli.Adopt.class, DuetCli.Run.class, DuetCli.Mode.class, DuetCli.Stop.class,
                DuetCli.Evidence.class, DuetCli.Owners.class, DuetCli.ListCvms.class, DuetCli.State.class, DuetCli.VerifyState.class,
                LogCommands.class, AttestCommands.class})
public final class DuetCli implements Runnable {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Spec CommandSpec spec;
    /** The process's byte streams, for output that is bytes rather than text ({@code run}). */
    private final OutputStream stdout;
    private final OutputStream stderr;

    private DuetCli(OutputStream stdout, OutputStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line on the process's stdout and stderr. */
    public static CommandLine commandLine() {
        return commandLine(System.out, System.err);
    }

    /** The configured command line writing to these streams (text as UTF-8), for the launcher and for tests. */
    public static CommandLine commandLine(OutputStream out, OutputStream err) {
        CommandLine cli = new CommandLine(new DuetCli(out, err));
        cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.registerConverter(Path.class, DuetCli::pathArgument);
        cli.setExecutionStrategy(DuetCli::execute);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> fail(cmd, cmd.getParseResult().hasMatchedOption("--json"), failure(e)));
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
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
            return new CommandLine.RunLast().execute(parsed);
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
    private static CliFailure notAnswered(ControllerApi client, String what) {
        return new CliFailure(CliFailure.INPUT_ERROR, "the controller at " + client.base() + " did not answer with " + what);
    }

    /**
     * Text the controller sent, unverified, made safe for a terminal: control characters (escape
     * sequences, a line break that would forge a line of our own) and bidirectional overrides are
     * shown as {@code \\uXXXX}.
     */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** A CVM as the API names it: its id. Anything else (empty, a path, a name) is a usage error, sent nowhere. */
    static final class CvmId implements CommandLine.ITypeConverter<String> {
        static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("cvm-[0-9a-f]{16}");

        @Override
        public String convert(String value) {
            if (!ID.matcher(value).matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a CVM id (cvm- and 16 lowercase hex digits, "
                        + "as 'duet list' shows)");
            }
            return value;
        }
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
        cmd.getErr().println("duet: " + failure.getMessage());
        cmd.getErr().flush();
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

        @Option(names = "--controller", description = "Controller URL, http(s)://host[:port] (default: $DUET_CONTROLLER or http://127.0.0.1:8080).")
        String url;

        @Option(names = "--http-timeout", paramLabel = "SECONDS", description = "How long to wait for each answer from the controller, "
                + "body included (default: $DUET_HTTP_TIMEOUT or 60; 'run' waits its --timeout on top of it).")
        Integer httpTimeout;

        ControllerApi client(Optional<Ed25519KeyPair> key) throws CliFailure {
            String env = System.getenv("DUET_CONTROLLER");
            URI base = url != null ? ControllerClient.parseBase(url, "--controller")
                    : env != null && !env.isBlank() ? ControllerClient.parseBase(env, "$DUET_CONTROLLER")
                    : URI.create("http://127.0.0.1:8080");
            return new ControllerApi(new ControllerClient(base, timeout(), key));
        }

        private Duration timeout() throws CliFailure {
            String env = System.getenv("DUET_HTTP_TIMEOUT");
            long seconds;
            if (httpTimeout != null) {
                seconds = httpTimeout;
            } else if (env != null && !env.isBlank()) {
                try {
                    seconds = Long.parseLong(env.strip());
                } catch (NumberFormatException e) {
                    seconds = -1;
                }
            } else {
                return ControllerClient.DEFAULT_TIMEOUT;
            }
            if (seconds < 1 || seconds > MAX_HTTP_TIMEOUT) {
                throw new CliFailure(CliFailure.INPUT_ERROR, (httpTimeout != null ? "--http-timeout" : "$DUET_HTTP_TIMEOUT")
                        + " must be whole seconds from 1 to " + MAX_HTTP_TIMEOUT + ", not '" + (httpTimeout != null ? httpTimeout : env) + "'");
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

    @Command(name = "keygen", description = "Generate an owner key: FILE (private, 0600) and FILE.pub (public, for the controller).")
    static final class Keygen extends Verb {
        @Mixin JsonOption json;
        @Option(names = "--out", required = true, description = "Where to write the key.")
        Path file;

        @Override
        public Integer call() throws CliFailure {
            Path pub = Path.of(file + ".pub");
            outputFile(file, "--out");
            for (Path target : List.of(file, pub)) {
                if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, target + " exists; refusing to overwrite a key");
                }
            }
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, file + " exists; refusing to overwrite a key");
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + InputFiles.describe(e));
            }
            try {
                Files.writeString(file, key.toPem());
                Files.writeString(pub, key.publicKey().toPem(), java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // The failure reported below is the one that matters; a half-written key is at worst an empty 0600 file.
                }
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + (e instanceof java.nio.file.FileSystemException fs
                        && fs.getFile() != null ? fs.getFile() : file) + ": " + InputFiles.describe(e));
            }
            if (json.json) {
                printJson(ControllerClient.JSON.createObjectNode().put("key_id", key.publicKey().keyId()).put("private_key_file", file.toString())
                        .put("public_key_file", pub.toString()));
                return 0;
            }
            out().println("owner key " + key.publicKey().keyId() + " written to " + file + " (public key: " + pub + ")");
            out().flush();
            return 0;
        }
    }

    @Command(name = "create", description = "Have the controller start a new CVM (QEMU guest); its host key is pinned only "
            + "after its attestation binds it.")
    static final class Create extends Verb {
        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Option(names = "--name", required = true, converter = CvmName.class) String name;
        @Option(names = "--wait", description = "Wait until the CVM is in-update (or failed).")
        boolean await;
        @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "600", description = "With --wait, give up after this "
                + "long (default ${DEFAULT-VALUE}; exit 2, the CVM may still become ready: see 'duet list').")
        int waitTimeout;

        @Override
        public Integer call() throws CliFailure {
            Duration wait = Adopt.waitLimit(waitTimeout);
            ControllerApi client = controller.client(Optional.of(key.load()));
            return Adopt.submit(this, client, ControllerClient.JSON.createObjectNode().put("provider", "qemu").put("name", name),
                    await ? Optional.of(wait) : Optional.empty(), json.json);
        }
    }

    @Command(name = "adopt", description = "Adopt a machine over SSH: the controller's key becomes its only authorized key.")
    static final class Adopt extends Verb {
        /** The controller's rules for the machine's address and user, checked here so that a bad one is a usage error and nothing is sent. */
        private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");
        private static final java.util.regex.Pattern USER = java.util.regex.Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");

        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Option(names = "--name", required = true, converter = CvmName.class) String name;
        @Option(names = "--host", required = true, description = "The machine's host name or IP address.") String host;
        @Option(names = "--port", defaultValue = "22") int port;
        @Option(names = "--user", required = true, description = "A POSIX user name that can log in with the bootstrap key.") String user;
        @Option(names = "--host-key", required = true, description = "The host key the machine must present: an OpenSSH public key line, "
                + "a file holding one, or a SHA256: fingerprint.")
        String hostKey;
        @Option(names = "--bootstrap-key", required = true, description = "Private key file that logs in now; it stops working after adoption.")
        Path bootstrapKey;
        @Option(names = "--authorized-keys-path", description = "sshd's AuthorizedKeysFile on the machine (default .ssh/authorized_keys).")
        String authorizedKeysPath;
        @Option(names = "--wait", description = "Wait until adoption has finished.")
        boolean await;
        @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "600", description = "With --wait, give up after this "
                + "long (default ${DEFAULT-VALUE}; exit 2, adoption may still finish: see 'duet list').")
        int waitTimeout;
        @Option(names = "--allow-plain-http", description = "INSECURE: send the bootstrap key over plain HTTP to a controller that is "
                + "not on this machine (anyone on the path can read it and log in until adoption has finished).")
        boolean allowPlainHttp;

        @Override
        public Integer call() throws CliFailure {
            if (!HOST.matcher(host).matches()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--host '" + host + "' is not a host name or IP address");
            }
            if (!USER.matcher(user).matches()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--user '" + user + "' is not a POSIX user name");
            }
            if (port < 1 || port > 65535) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--port " + port + " is not a TCP port (1-65535)");
            }
            if (authorizedKeysPath != null && (authorizedKeysPath.isEmpty() || authorizedKeysPath.length() > 4096
                    || authorizedKeysPath.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--authorized-keys-path must be a non-empty path without control characters");
            }
            Duration wait = waitLimit(waitTimeout);
            Ed25519KeyPair owner = key.load();
            String hostKeyLine = AdoptionKeys.hostKey(hostKey);
            String bootstrap = AdoptionKeys.bootstrapKey(bootstrapKey, owner);
            ControllerApi client = controller.client(Optional.of(owner));
            if (!allowPlainHttp && !client.privateTransport()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "refusing to send the bootstrap key over plain HTTP to " + client.base()
                        + ", which is not this machine: use https://, run adopt on the controller's machine, or pass --allow-plain-http");
            }
            ObjectNode body = ControllerClient.JSON.createObjectNode().put("provider", "ssh").put("name", name);
            ObjectNode ssh = body.putObject("ssh").put("host", host).put("port", port).put("user", user).put("host_key", hostKeyLine);
            ssh.put("bootstrap_private_key", bootstrap);
            if (authorizedKeysPath != null) {
                ssh.put("authorized_keys_path", authorizedKeysPath);
            }
            return submit(this, client, body, await ? Optional.of(wait) : Optional.empty(), json.json);
        }

        static Duration waitLimit(int seconds) throws CliFailure {
            if (seconds < 1 || seconds > 86_400) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--wait-timeout must be whole seconds from 1 to 86400, not " + seconds);
            }
            return Duration.ofSeconds(seconds);
        }

        /** Posts a new CVM, waits (within {@code wait}) for it to leave provisioning if asked, and prints it. */
        static int submit(Verb verb, ControllerApi client, ObjectNode body, Optional<Duration> wait, boolean asJson) throws CliFailure {
            JsonNode cvm = client.createCvm(body);
            String id = cvm.path("id").asText();
            long deadline = System.nanoTime() + wait.map(Duration::toNanos).orElse(0L);
            long pause = 200;
            while (wait.isPresent() && "provisioning".equals(cvm.path("mode").asText())) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, id + " is still provisioning after " + wait.get().toSeconds()
                            + " s; it may still become ready ('duet list' shows it)");
                }
                sleep(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                pause = Math.min(pause * 2, 2_000);
                cvm = client.cvms().path("cvms");
                cvm = find(cvm, id);
            }
            if (asJson) {
                verb.printJson(cvm);
            } else {
                // Until a host key is pinned (and in a CVM that failed before), no attestation has bound one.
                verb.out().println(id + " " + cvm.path("mode").asText() + (cvm.has("reason") ? " (" + cvm.path("reason").asText() + ")" : "")
                        + (cvm.path("host_key").isTextual() && cvm.path("attestation").path("simulated").asBoolean(false)
                                ? " [host key bound by SIMULATED attestation (" + cvm.path("attestation").path("source").asText() + ")]" : ""));
                verb.out().flush();
            }
            return "failed".equals(cvm.path("mode").asText()) ? CliFailure.CHECK_FAILED : 0;
        }

        private static JsonNode find(JsonNode cvms, String id) throws CliFailure {
            for (JsonNode cvm : cvms) {
                if (id.equals(cvm.path("id").asText())) {
                    return cvm;
                }
            }
            throw new CliFailure(CliFailure.CHECK_FAILED, "controller no longer lists " + id);
        }

        private static void sleep(long millis) throws CliFailure {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure(CliFailure.INPUT_ERROR, "interrupted");
            }
        }
    }

    /**
     * Runs a command as {@code ssh} would: its stdout and stderr come back as bytes, and duet exits
     * with its status. duet's own outcomes have codes of their own (the remote command can exit
     * with any of them too; the {@code duet:} line on stderr, or {@code --json}, tells them apart).
     */
    @Command(name = "run", description = {"Run a command on a CVM in in-update (argv is passed literally, without a shell). "
            + "Its stdout and stderr are written as bytes and duet exits with its status, as ssh does.",
            "duet's own exit codes: 124 the command timed out; 128+N it was killed by signal N; 254 the controller refused the request "
                    + "(the command did not run); 255 the controller or the CVM could not be reached, or no status came back; "
                    + "2 bad usage or input (nothing was sent)."})
    static final class Run extends Verb {
        static final int TIMED_OUT = 124;
        static final int SIGNALLED = 128;
        static final int REFUSED = 254;
        static final int UNREACHABLE = 255;
        /** RFC 4254 §6.10 signal names, with their numbers on Linux. */
        private static final java.util.Map<String, Integer> SIGNALS = java.util.Map.ofEntries(java.util.Map.entry("HUP", 1),
                java.util.Map.entry("INT", 2), java.util.Map.entry("QUIT", 3), java.util.Map.entry("ILL", 4), java.util.Map.entry("ABRT", 6),
                java.util.Map.entry("FPE", 8), java.util.Map.entry("KILL", 9), java.util.Map.entry("USR1", 10), java.util.Map.entry("SEGV", 11),
                java.util.Map.entry("USR2", 12), java.util.Map.entry("PIPE", 13), java.util.Map.entry("ALRM", 14), java.util.Map.entry("TERM", 15));

        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        /** Far beyond the controller's own maximum (an hour by default), which it enforces; a bound for the HTTP wait. */
        private static final double MAX_TIMEOUT = 86_400;

        @Option(names = "--timeout", defaultValue = "60", description = "Seconds the command may run, from 1 to the controller's maximum "
                + "(default ${DEFAULT-VALUE}); duet waits this plus --http-timeout for the answer.") double timeout;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmId.class) String cvm;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARGV") List<String> argv;

        @Override
        public Integer call() throws CliFailure {
            if (!(timeout >= 1 && timeout <= MAX_TIMEOUT)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--timeout must be a number of seconds from 1 to " + (long) MAX_TIMEOUT + ", not " + timeout);
            }
            ControllerApi client = controller.client(Optional.of(key.load()));
            ObjectNode result;
            try {
                JsonNode answer = client.runCommand(cvm, argv, timeout);
                if (!answer.isObject()) {
                    throw new CliFailure(UNREACHABLE, "the controller's answer is not a command result");
                }
                result = (ObjectNode) answer;
            } catch (ControllerClient.Unavailable e) {
                throw new CliFailure(UNREACHABLE, e.getMessage());
            } catch (ControllerClient.Refused e) {
                throw new CliFailure(e.status() < 500 ? REFUSED : UNREACHABLE, e.getMessage());
            }
            byte[] stdout = bytes(result, "stdout");
            byte[] stderr = bytes(result, "stderr");
            int code = exitCode(result);
            if (json.json) {
                printJson(result.put("exit_code", code));
                return code;
            }
            try {
                stdoutBytes().write(stdout);
                stdoutBytes().flush();
                stderrBytes().write(stderr);
                stderrBytes().flush();
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write the command's output: " + InputFiles.describe(e));
            }
            StringBuilder summary = new StringBuilder("[duet] ");
            if (result.path("timed_out").asBoolean()) {
                summary.append("timed out after ").append(timeout).append(" s");
            } else if (result.path("exit_status").isIntegralNumber()) {
                summary.append("exit ").append(result.path("exit_status").asLong());
            } else if (result.path("exit_signal").isTextual()) {
                summary.append("killed by signal ").append(result.path("exit_signal").asText());
            } else {
                summary.append("no exit status came back");
            }
            for (String stream : List.of("stdout", "stderr")) {
                if (result.path(stream + "_truncated").asBoolean()) {
                    summary.append(", ").append(stream).append(" truncated: ").append(stream.equals("stdout") ? stdout.length : stderr.length)
                            .append(" of ").append(result.path(stream + "_bytes").asLong()).append(" bytes kept by the controller");
                }
            }
            summary.append(", log entries ").append(result.path("started_index").asLong()).append("..").append(result.path("completed_index").asLong());
            err().println(summary);
            err().flush();
            return code;
        }

        private static byte[] bytes(JsonNode result, String stream) throws CliFailure {
            try {
                return Base64.getDecoder().decode(result.path(stream).asText(""));
            } catch (IllegalArgumentException e) {
                throw new CliFailure(UNREACHABLE, "the controller's answer has " + stream + " that is not base64");
            }
        }

        /** The command's status as ssh passes it on; duet's own codes where there is none. */
        static int exitCode(JsonNode result) {
            if (result.path("timed_out").asBoolean()) {
                return TIMED_OUT;
            }
            JsonNode status = result.path("exit_status");
            if (status.isIntegralNumber()) {
                return status.canConvertToInt() && status.asInt() >= 0 && status.asInt() <= 255 ? status.asInt() : UNREACHABLE;
            }
            Integer signal = SIGNALS.get(result.path("exit_signal").asText("").replaceFirst("^SIG", ""));
            return signal != null ? SIGNALLED + signal : UNREACHABLE;
        }
    }

    @Command(name = "mode", description = "Switch a CVM to in-update or in-service.")
    static final class Mode extends Verb {
        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmId.class) String cvm;
        @Parameters(index = "1", paramLabel = "MODE", description = "in-update | in-service", converter = OperationalMode.class) String mode;

        @Override
        public Integer call() throws CliFailure {
            JsonNode result = controller.client(Optional.of(key.load())).setMode(cvm, mode);
            if (json.json) {
                printJson(result);
                return 0;
            }
            out().println(cvm + " " + result.path("cvm").path("mode").asText()
                    + (result.path("changed").asBoolean() ? " (log entry " + result.path("log_index").asLong() + ")" : " (unchanged)"));
            out().flush();
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop managing a CVM and destroy its SSH key.")
    static final class Stop extends Verb {
        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmId.class) String cvm;

        @Override
        public Integer call() throws CliFailure {
            JsonNode result = controller.client(Optional.of(key.load())).stop(cvm);
            if (json.json) {
                printJson(result);
                return 0;
            }
            out().println(cvm + " " + result.path("mode").asText());
            out().flush();
            return 0;
        }
    }

    @Command(name = "evidence", description = "Fetch the controller's evidence with a fresh nonce and check it: signed by the key "
            + "it names, fresh, and attesting that key. Exit 0 attested, 1 not (or the evidence does not verify), 2 usage or "
            + "unreachable. --json prints the verified evidence itself, to save for offline verification with --evidence.")
    static final class Evidence extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;
        @Option(names = "--allow-no-tee", description = "INSECURE: exit 0 for a controller that runs without a TEE (tee: none).")
        boolean allowNoTee;

        @Override
        public Integer call() throws CliFailure {
            String nonce = freshNonce();
            JsonNode evidence = controller.client(Optional.empty()).evidence(nonce);
            EvidenceCheck check = EvidenceCheck.of(evidence, nonce);
            boolean attested = check.verdict() instanceof ControllerEvidenceVerdict.Attested;
            boolean accepted = attested || allowNoTee && check.tee() == TeeKind.NONE;
            if (!json.json) {
                out().println("controller key " + check.key().keyId() + ", tee: " + check.tee().wire());
                out().println(attested ? "attested: " + check.verdict().reason()
                        : (accepted ? "INSECURE (accepted because of --allow-no-tee), " : "") + "NOT ATTESTED: " + check.verdict().reason());
                out().flush();
            }
            if (!accepted) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "NOT ATTESTED: " + check.verdict().reason()
                        + (check.tee() == TeeKind.NONE ? " (pass --allow-no-tee to accept that explicitly)" : ""));
            }
            if (json.json) {
                printJson(evidence);
            }
            return 0;
        }
    }

    @Command(name = "owners", description = "Show the owner keys registered in log entry 0, verified as 'log inclusion' verifies an "
            + "entry: the controller's key trusted, its latest checkpoint signed and not a rollback, and entry 0 proved to be in it; "
            + "with --key, check that yours is one. Exit 0 verified (and registered), 1 not, 2 usage or unreachable.")
    static final class Owners extends Verb {
        @Mixin ControllerOption controller;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Mixin JsonOption json;
        @Option(names = "--key", description = "Your owner key file (private or .pub).") Path key;

        @Override
        public Integer call() throws CliFailure {
            Optional<String> mine = key == null ? Optional.empty() : Optional.of(ownKeyId(key));
            ControllerApi client = controller.client(Optional.empty());
            ControllerTrust.TrustedKey trusted = LogCommands.trusted(trust, Optional.of(client));
            LogCommands.Fresh fresh = LogCommands.freshCheckpoint(client, trusted.key(), memory);
            if (fresh.refused()) {
                if (json.json) {
                    ObjectNode out = LogCommands.verdictJson("verified", false, trusted).put("detail", CheckpointMemory.detail(fresh.succession()));
                    mine.ifPresent(m -> out.put("your_key", m).put("registered", false));
                    out.set("checkpoint_memory", CheckpointMemory.json(fresh.succession()));
                    printJson(out);
                } else {
                    trusted.warning().ifPresent(out()::println);
                    LogCommands.reportRefusal(this, fresh);
                }
                return LogCommands.refusalExit(this, fresh);
            }
            Checkpoint checkpoint = fresh.checkpoint();
            Optional<String> failure;
            List<String> ids = new java.util.ArrayList<>();
            if (checkpoint.size() == 0) {
                failure = Optional.of("the checkpointed log is empty");
            } else {
                LogCommands.Proved entry = LogCommands.prove(client, checkpoint, 0);
                failure = entry.failure().map(f -> "entry 0 is not in the checkpointed log of size " + checkpoint.size() + ": " + f)
                        .or(() -> registeredOwners(entry.decoded().orElseThrow(), ids));
            }
            boolean verified = failure.isEmpty();
            boolean registered = verified && mine.map(ids::contains).orElse(true);
            String where = "log entry 0, in the checkpointed log of size " + checkpoint.size();
            if (json.json) {
                ObjectNode doc = LogCommands.verdictJson("verified", verified, trusted).put("detail", failure.orElse("owner keys of " + where));
                if (verified) {
                    ids.forEach(doc.putArray("owners")::add);
                }
                mine.ifPresent(m -> doc.put("your_key", m).put("registered", registered));
                doc.set("checkpoint", CheckpointMemory.json(checkpoint));
                doc.set("checkpoint_memory", CheckpointMemory.json(fresh.succession()));
                printJson(doc);
            } else {
                trusted.warning().ifPresent(out()::println);
                if (verified) {
                    ids.forEach(id -> out().println("owner " + id));
                    mine.ifPresent(m -> out().println("your key " + m + (registered ? " is registered (" : " is NOT registered (") + where + ")"));
                } else {
                    out().println("NOT VERIFIED: " + failure.get());
                }
                out().flush();
            }
            return verified && registered ? 0 : CliFailure.CHECK_FAILED;
        }

        /**
         * Adds the key ids that entry 0 registers to {@code ids}, each derived from the public key it
         * lists (and equal to the id listed with it), or says why entry 0 registers nobody.
         */
        private static Optional<String> registeredOwners(LogEntry entry, List<String> ids) {
            Payload payload;
            try {
                payload = PayloadCodec.decode(entry);
            } catch (MalformedPayloadException e) {
                return Optional.of("log entry 0 is not an owner registration: " + e.getMessage());
            }
            if (entry.seq() != 0 || !(payload instanceof Payload.OwnerRegistered registration)) {
                return Optional.of("log entry 0 is not an owner registration (kind " + entry.kind() + ")");
            }
            if (registration.ownerKeys().isEmpty()) {
                return Optional.of("log entry 0 lists no owner keys");
            }
            for (Payload.OwnerKey owner : registration.ownerKeys()) {
                try {
                    String derived = Ed25519PublicKey.parseBase64(owner.publicKey()).keyId();
                    if (!derived.equals(owner.keyId())) {
                        return Optional.of("log entry 0 lists key id " + owner.keyId() + " for a public key whose id is " + derived);
                    }
                } catch (KeyFormatException e) {
                    return Optional.of("log entry 0 lists an owner key that is not an Ed25519 public key: " + e.getMessage());
                }
                ids.add(owner.keyId());
            }
            return Optional.empty();
        }

        private static String ownKeyId(Path file) throws CliFailure {
            String text = InputFiles.readText(file, InputFiles.SMALL, "key");
            try {
                return text.contains("PRIVATE KEY") ? Ed25519KeyPair.parsePem(text).publicKey().keyId() : Ed25519PublicKey.parsePem(text).keyId();
            } catch (KeyFormatException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "key " + file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "list", description = "List the CVMs the controller manages.")
    static final class ListCvms extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            ControllerApi client = controller.client(Optional.empty());
            JsonNode list = client.cvms();
            if (json.json) {
                printJson(list);
                return 0;
            }
            JsonNode cvms = list.path("cvms");
            if (!cvms.isArray()) {
                throw notAnswered(client, "a list of CVMs");
            }
            for (JsonNode cvm : cvms) {
                if (!cvm.isObject() || !CvmId.ID.matcher(cvm.path("id").asText("")).matches() || !cvm.path("mode").isTextual()) {
                    throw notAnswered(client, "a list of CVMs");
                }
                out().println(printable(cvm.path("id").asText() + "  " + cvm.path("mode").asText() + "  " + cvm.path("name").asText() + "  "
                        + cvm.path("address").asText()));
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "state", description = "Fetch a CVM's signed state (save it with --out to verify offline later).")
    static final class State extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmId.class) String cvm;
        @Option(names = "--out", description = "Write the signed state to this file.") Path file;

        @Override
        public Integer call() throws CliFailure {
            if (file != null) {
                outputFile(file, "--out");
            }
            ControllerApi client = controller.client(Optional.empty());
            JsonNode state = client.state(cvm);
            if (!state.path("signature").isObject() || !state.path("payload").path("cvm").path("id").asText("").equals(cvm)) {
                throw notAnswered(client, "a signed state of " + cvm);
            }
            if (file != null) {
                try {
                    Files.writeString(file, ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + InputFiles.describe(e));
                }
            }
            if (json.json) {
                printJson(state);
            } else {
                JsonNode payload = state.path("payload");
                out().println(printable(payload.path("cvm").path("id").asText() + " " + payload.path("cvm").path("mode").asText()
                        + ", " + payload.path("entries").size() + " log entries (unverified: use verify-state)"));
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "verify-state", description = "Verify a CVM's signed state: controller signature, complete history, mode, and "
            + "that the log does not roll back or fork what this user saw before (offline: that it has not grown since the state was "
            + "signed, which makes the state stale). Exit 0 trusted, 1 a check failed, 2 bad input.")
    static final class VerifyState extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;
        @Parameters(index = "0", arity = "0..1", paramLabel = "CVM", converter = CvmId.class, description = "Fetch this CVM's state now, "
                + "with a fresh nonce.") String cvm;
        @Option(names = "--file", description = "Verify a saved state offline instead.") Path file;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Option(names = "--expect-cvm", converter = CvmId.class, description = "Fail unless the state is about this CVM.") String expectCvm;

        @Override
        public Integer call() throws CliFailure {
            if ((cvm == null) == (file == null)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "give either a CVM id (online) or --file (offline)");
            }
            Optional<String> expectedCvm = Optional.ofNullable(expectCvm).or(() -> Optional.ofNullable(cvm));
            StateVerdict verdict;
            Optional<JsonNode> fetched = Optional.empty();
            ControllerTrust.TrustedKey trusted;
            if (file != null) {
                byte[] saved = InputFiles.read(file, InputFiles.LARGE, "signed state");
                trusted = trust.resolve(Optional.empty());
                verdict = CvmStateVerifier.verify(saved, trusted.key(), new CvmStateVerifier.Expectations(expectedCvm, Optional.empty()));
            } else {
                String nonce = freshNonce();
                JsonNode document = controller.client(Optional.empty()).state(cvm, nonce);
                fetched = Optional.of(document);
                trusted = trust.resolve(Optional.of(controller.client(Optional.empty())));
                verdict = CvmStateVerifier.verify(document, trusted.key(), new CvmStateVerifier.Expectations(expectedCvm, Optional.of(nonce)));
            }
            Optional<CheckpointSuccession.Verdict> succession = Optional.empty();
            Optional<CheckpointMemory.Offline> offline = Optional.empty();
            if (fetched.isEmpty() && verdict.facts().isPresent()) {
                offline = Optional.of(memory.offline(verdict.facts().get().checkpoint(), ControllerLog.verifierKey(trusted.key())));
            }
            if (verdict.trusted() && trusted.failure().isEmpty() && fetched.isPresent()) {
                String note = fetched.get().path("payload").path("log").path("checkpoint").asText();
                try {
                    succession = Optional.of(memory.accept(note, Checkpoint.parse(SignedNote.parse(note).text()), ControllerLog.verifierKey(trusted.key()),
                            controller.client(Optional.empty())));
                } catch (MalformedNoteException e) {
                    throw new IllegalStateException("the verifier accepted this checkpoint", e);
                }
            }
            boolean ok = verdict.trusted() && trusted.failure().isEmpty() && !succession.map(CheckpointMemory::refuses).orElse(false)
                    && !offline.map(CheckpointMemory.Offline::refuses).orElse(false);
            report(verdict, trusted, succession, offline, ok);
            succession.filter(CheckpointMemory::refuses).ifPresent(s -> {
                err().println("duet: " + CheckpointMemory.summary(s));
                err().flush();
            });
            offline.filter(CheckpointMemory.Offline::refuses).ifPresent(o -> {
                err().println("duet: " + o.detail());
                err().flush();
            });
            return ok ? 0 : CliFailure.CHECK_FAILED;
        }

        private void report(StateVerdict verdict, ControllerTrust.TrustedKey trusted, Optional<CheckpointSuccession.Verdict> succession,
                Optional<CheckpointMemory.Offline> offline, boolean ok) {
            if (json.json) {
                ObjectNode out = ControllerClient.JSON.createObjectNode().put("trusted", ok).put("controller_key", trusted.key().keyId())
                        .put("controller_key_basis", trusted.basis());
                trusted.warning().ifPresent(w -> out.put("warning", w));
                trusted.failure().ifPresent(f -> out.put("controller_failure", f));
                ArrayNode checks = out.putArray("checks");
                verdict.checks().forEach(c -> checks.addObject().put("name", c.name()).put("passed", c.passed()).put("detail", c.detail()));
                succession.ifPresent(s -> {
                    checks.addObject().put("name", CheckpointMemory.CHECK).put("passed", !CheckpointMemory.refuses(s)).put("detail", CheckpointMemory.detail(s));
                    out.set("checkpoint_memory", CheckpointMemory.json(s));
                });
                offline.ifPresent(o -> {
                    checks.addObject().put("name", CheckpointMemory.CHECK).put("passed", !o.refuses()).put("detail", o.detail());
                    if (o.refuses()) {
                        out.put("reason", o.detail());
                    }
                });
                verdict.facts().ifPresent(f -> {
                    ObjectNode facts = out.putObject("cvm").put("id", f.cvmId()).put("name", f.name()).put("mode", f.mode().wire())
                            .put("host_key", f.hostKey()).put("entries", f.entries()).put("commands_run", f.commandsRun());
                    f.inServiceSince().ifPresentOrElse(s -> facts.put("in_service_since_entry", s), () -> facts.putNull("in_service_since_entry"));
                    f.hostKeyAttestation().ifPresent(a -> facts.putObject("host_key_attestation").put("evidence_source", a.evidenceSource())
                            .put("simulated", a.simulated()).put("trust", a.trust()));
                });
                printJson(out);
                return;
            }
            PrintWriter out = out();
            trusted.warning().ifPresent(out::println);
            trusted.failure().ifPresent(f -> out.println("FAIL controller: " + f));
            for (StateVerdict.Check check : verdict.checks()) {
                out.println((check.passed() ? "ok   " : "FAIL ") + check.name() + ": " + check.detail());
            }
            succession.ifPresent(s -> {
                out.println((CheckpointMemory.refuses(s) ? "FAIL " : "ok   ") + CheckpointMemory.CHECK + ": " + CheckpointMemory.detail(s));
                CheckpointMemory.printCheckpoints(s, out);
            });
            offline.ifPresent(o -> out.println(o.prefix() + CheckpointMemory.CHECK + ": " + o.detail()));
            verdict.facts().ifPresent(f -> out.println("CVM " + f.cvmId() + " (" + f.name() + ") is " + f.mode().wire()
                    + (f.inServiceSince().isPresent() ? " since log entry " + f.inServiceSince().getAsLong() + "; no command ran since" : "")
                    + "; " + f.commandsRun() + " commands in " + f.entries() + " entries"
                    + f.hostKeyAttestation().map(a -> "; " + a.describe()).orElse("")));
            out.println(ok ? "TRUSTED" + (trusted.warning().isPresent() ? " (INSECURE: no TEE)" : "") : "NOT TRUSTED");
            out.flush();
        }
    }

    /** The controller's evidence document, its self-signature checked, and the hardware verdict on it. */
    record EvidenceCheck(Ed25519PublicKey key, TeeKind tee, ControllerEvidenceVerdict verdict) {
        static EvidenceCheck of(JsonNode evidence, String expectedNonce) throws CliFailure {
            Optional<String> malformed = SignedDocument.malformed(evidence);
            if (malformed.isPresent()) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "controller evidence is not a document the controller signed: " + malformed.get());
            }
            JsonNode payload = evidence.path("payload");
            if (!CvmState.EVIDENCE_FORMAT.equals(payload.path("format").asText())) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "not controller evidence (format " + payload.path("format").asText("missing") + ")");
            }
            Ed25519PublicKey key;
            try {
                key = Ed25519PublicKey.parseBase64(payload.path("signing_key").path("public_key").asText(""));
            } catch (KeyFormatException e) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "evidence signing key: " + e.getMessage());
            }
            SignedDocument.Verified verified = SignedDocument.verify(evidence, key);
            if (verified.payload().isEmpty()) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "evidence is not signed by the key it names: " + verified.failure());
            }
            if (expectedNonce != null && !expectedNonce.equals(payload.path("nonce").asText(null))) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "evidence does not carry our nonce: not fresh");
            }
            TeeKind tee = TeeKind.parse(payload.path("tee").asText(""))
                    .orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED, "unknown tee kind " + payload.path("tee").asText()));
            return new EvidenceCheck(key, tee, ControllerEvidenceVerifier.verify(tee));
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

    /** A CVM's name as the controller accepts it, so that a bad one is a usage error and nothing is sent. */
    static final class CvmName implements CommandLine.ITypeConverter<String> {
        private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

        @Override
        public String convert(String value) {
            if (!NAME.matcher(value).matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a CVM name (1-64 letters, digits, '.', '_' or '-', "
                        + "starting with a letter or digit)");
            }
            return value;
        }
    }

    /** The modes an owner may switch a CVM to. */
    static final class OperationalMode implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!dev.duet.protocol.CvmMode.parse(value).map(dev.duet.protocol.CvmMode::isOperational).orElse(false)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a mode an owner can choose (in-update or in-service)");
            }
            return value;
        }
    }
}
