package dev.duet.cli;

import static dev.duet.cli.DuetCli.outputFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.OwnerKeyOption;
import dev.duet.cli.DuetCli.Verb;
import dev.duet.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The owner verbs: make an owner key, and manage CVMs with it (create, adopt, run, mode, stop); their requests are signed with it. */
final class OwnerCommands {
    private OwnerCommands() {
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

    @Command(name = "adopt", description = "Adopt a machine over SSH: the controller's key becomes its only authorized key.")
    static final class Adopt extends Verb {
        /** The controller's rules for the machine's address and user, checked here so that a bad one is a usage error and nothing is sent. */
        private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("[A-Za-z0-9.:-]{1,253}");
        private static final java.util.regex.Pattern USER = java.util.regex.Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");

        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
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

        @Override
        public Integer call() throws CliFailure {
            if (!HOST.matcher(host).matches()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "--host '" + host + "' is not a host name or IP address (an IPv6 address "
                        + "without brackets: ::1, not [::1])");
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
            // Plain HTTP goes only to this machine, HTTPS only to the pinned key (ControllerTransport): the bootstrap key stays private.
            ControllerApi client = controller.client(Optional.of(owner));
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
            long start = System.nanoTime();
            long deadline = start + wait.map(Duration::toNanos).orElse(0L);
            long pause = 200;
            String shown = wait.isPresent() ? progress(verb, id, cvm, start, "") : "";
            while (wait.isPresent() && "provisioning".equals(cvm.path("mode").asText())) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, id + " is still provisioning after " + wait.get().toSeconds()
                            + " s; it may still become ready ('duet list' shows it)");
                }
                sleep(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                pause = Math.min(pause * 2, 2_000);
                cvm = client.cvms().path("cvms");
                cvm = find(cvm, id);
                shown = progress(verb, id, cvm, start, shown);
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

        /**
         * While {@code --wait} waits: one line on stderr each time what the controller says of the CVM
         * changes (stdout keeps the result alone); returns the status now shown.
         */
        private static String progress(Verb verb, String id, JsonNode cvm, long start, String shown) {
            String status = cvm.path("mode").asText("?")
                    + (cvm.path("address").isTextual() && !cvm.path("address").asText().isEmpty() ? ", at " + cvm.path("address").asText() : "")
                    + (cvm.path("host_key").isTextual() ? ", host key pinned" : "")
                    + (cvm.has("reason") ? " (" + cvm.path("reason").asText() + ")" : "");
            if (!status.equals(shown)) {
                verb.err().println(DuetCli.printable("[duet] " + id + " " + status + String.format(java.util.Locale.ROOT, " after %.1f s",
                        (System.nanoTime() - start) / 1e9)));
                verb.err().flush();
            }
            return status;
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
                    + "(the command did not run); 255 the controller or the CVM could not be reached (or the controller's TLS key is not the attested one), or no status came back; "
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
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        /** Far beyond the controller's own maximum (an hour by default), which it enforces; a bound for the HTTP wait. */
        private static final double MAX_TIMEOUT = 86_400;

        @Option(names = "--timeout", defaultValue = "60", description = "Seconds the command may run, from 1 to the controller's maximum "
                + "(default ${DEFAULT-VALUE}); duet waits this plus --http-timeout for the answer.") double timeout;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
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
            } catch (ControllerClient.Unavailable | ControllerTransport.Untrusted e) {
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
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
        @Parameters(index = "1", paramLabel = "MODE", description = "in-update | in-service", converter = OperationalMode.class) String mode;

        @Override
        public Integer call() throws CliFailure {
            JsonNode result = controller.client(Optional.of(key.load())).setMode(cvm, mode);
            if (ApprovalCommands.shownWaiting(this, json, result)) {
                return 0;
            }
            if (json.json) {
                printJson(result);
                return 0;
            }
            out().println(cvm + " " + result.path("cvm").path("mode").asText()
                    + (result.path("changed").asBoolean() ? " (log entry " + result.path("log_index").asLong() + ")" : " (unchanged)"));
            result.path("leaving_service").forEach(c -> out().println(PolicyCommand.leavingLine(c)));
            out().flush();
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop managing a CVM and destroy its SSH key ('duet remove' then takes it off the list).")
    static final class Stop extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;

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
