package dev.duet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.TeeKind;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.CvmStateVerifier;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.SignedDocument;
import dev.duet.protocol.StateVerdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code duet}: owner verbs (keygen, adopt, run, mode, stop) and user verbs (evidence, list, state,
 * verify-state). Exit codes: 0 success, 1 a check failed or the controller refused, 2 usage, input
 * or IO error. Failures print one line on stderr.
 */
@Command(name = "duet", mixinStandardHelpOptions = true, version = "duet 0.1.0",
        description = "Owner and user client for a duet controller, with the offline verifier.",
        subcommands = {DuetCli.Keygen.class, DuetCli.Create.class, DuetCli.Adopt.class, DuetCli.Run.class, DuetCli.Mode.class, DuetCli.Stop.class,
                DuetCli.Evidence.class, DuetCli.Owners.class, DuetCli.ListCvms.class, DuetCli.State.class, DuetCli.VerifyState.class,
                LogCommands.class, AttestCommands.class})
public final class DuetCli {
    private static final SecureRandom RANDOM = new SecureRandom();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for the launcher and for tests that capture output. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DuetCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliFailure failure) {
                cmd.getErr().println("duet: " + failure.getMessage());
                return failure.exitCode();
            }
            cmd.getErr().println("duet: unexpected error: " + e);
            return CliFailure.INPUT_ERROR;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("duet: " + e.getMessage());
            return CliFailure.INPUT_ERROR;
        });
        return cli;
    }

    static final class ControllerOption {
        @Option(names = "--controller", description = "Controller URL (default: $DUET_CONTROLLER or http://127.0.0.1:8080).")
        String url;

        ControllerClient client(Optional<Ed25519KeyPair> key) throws CliFailure {
            String chosen = url != null ? url : Optional.ofNullable(System.getenv("DUET_CONTROLLER")).orElse("http://127.0.0.1:8080");
            return new ControllerClient(chosen, key);
        }
    }

    static final class OwnerKeyOption {
        @Option(names = "--key", required = true, description = "Owner key file written by 'duet keygen'.")
        Path file;

        Ed25519KeyPair load() throws CliFailure {
            try {
                return Ed25519KeyPair.parsePem(Files.readString(file));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read owner key " + file + ": " + e.getMessage());
            } catch (KeyFormatException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "owner key " + file + ": " + e.getMessage());
            }
        }
    }

    static final class JsonOption {
        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;
    }

    abstract static class Verb implements Callable<Integer> {
        @Spec CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        void printJson(JsonNode node) {
            try {
                out().println(ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            out().flush();
        }
    }

    @Command(name = "keygen", description = "Generate an owner key: FILE (private, 0600) and FILE.pub (public, for the controller).")
    static final class Keygen extends Verb {
        @Option(names = "--out", required = true, description = "Where to write the key.")
        Path file;

        @Override
        public Integer call() throws CliFailure {
            Ed25519KeyPair key = Ed25519KeyPair.generate();
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, key.toPem());
                Files.writeString(Path.of(file + ".pub"), key.publicKey().toPem());
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, file + " exists; refusing to overwrite a key");
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + e.getMessage());
            }
            out().println("owner key " + key.publicKey().keyId() + " written to " + file + " (public key: " + file + ".pub)");
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
        @Option(names = "--name", required = true) String name;
        @Option(names = "--wait", description = "Wait until the CVM is in-update (or failed).")
        boolean await;

        @Override
        public Integer call() throws CliFailure {
            ControllerClient client = controller.client(Optional.of(key.load()));
            return Adopt.submit(this, client, ControllerClient.JSON.createObjectNode().put("provider", "qemu").put("name", name),
                    await, json.json);
        }
    }

    @Command(name = "adopt", description = "Adopt a machine over SSH: the controller's key becomes its only authorized key.")
    static final class Adopt extends Verb {
        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Option(names = "--name", required = true) String name;
        @Option(names = "--host", required = true) String host;
        @Option(names = "--port", defaultValue = "22") int port;
        @Option(names = "--user", required = true) String user;
        @Option(names = "--host-key", required = true, description = "The host key the machine must present: an OpenSSH public key line or SHA256: fingerprint.")
        String hostKey;
        @Option(names = "--bootstrap-key", required = true, description = "Private key file that logs in now; it stops working after adoption.")
        Path bootstrapKey;
        @Option(names = "--authorized-keys-path", description = "sshd's AuthorizedKeysFile on the machine (default .ssh/authorized_keys).")
        String authorizedKeysPath;
        @Option(names = "--wait", description = "Wait until adoption has finished.")
        boolean await;

        @Override
        public Integer call() throws CliFailure {
            ControllerClient client = controller.client(Optional.of(key.load()));
            ObjectNode body = ControllerClient.JSON.createObjectNode().put("provider", "ssh").put("name", name);
            ObjectNode ssh = body.putObject("ssh").put("host", host).put("port", port).put("user", user).put("host_key", readKeyOrText(hostKey));
            try {
                ssh.put("bootstrap_private_key", Files.readString(bootstrapKey));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read bootstrap key " + bootstrapKey + ": " + e.getMessage());
            }
            if (authorizedKeysPath != null) {
                ssh.put("authorized_keys_path", authorizedKeysPath);
            }
            return submit(this, client, body, await, json.json);
        }

        /** Posts a new CVM, waits for it to leave provisioning if asked, and prints it. */
        static int submit(Verb verb, ControllerClient client, ObjectNode body, boolean await, boolean asJson) throws CliFailure {
            JsonNode cvm = client.owner("POST", "/v1/cvms", body);
            String id = cvm.path("id").asText();
            while (await && "provisioning".equals(cvm.path("mode").asText())) {
                sleep();
                cvm = client.get("/v1/cvms").path("cvms");
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

        private static String readKeyOrText(String value) throws CliFailure {
            Path path = Path.of(value);
            if (!value.startsWith("SHA256:") && !value.startsWith("ssh-") && Files.isRegularFile(path)) {
                try {
                    return Files.readString(path).strip();
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read host key " + value);
                }
            }
            return value;
        }

        private static JsonNode find(JsonNode cvms, String id) throws CliFailure {
            for (JsonNode cvm : cvms) {
                if (id.equals(cvm.path("id").asText())) {
                    return cvm;
                }
            }
            throw new CliFailure(CliFailure.CHECK_FAILED, "controller no longer lists " + id);
        }

        private static void sleep() throws CliFailure {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure(CliFailure.INPUT_ERROR, "interrupted");
            }
        }
    }

    @Command(name = "run", description = "Run a command on a CVM in in-update (argv is passed literally, without a shell).")
    static final class Run extends Verb {
        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Mixin JsonOption json;
        @Option(names = "--timeout", defaultValue = "60", description = "Seconds (default ${DEFAULT-VALUE}).") double timeout;
        @Parameters(index = "0", paramLabel = "CVM") String cvm;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARGV") List<String> argv;

        @Override
        public Integer call() throws CliFailure {
            ObjectNode body = ControllerClient.JSON.createObjectNode().put("timeout_seconds", timeout);
            ArrayNode args = body.putArray("argv");
            argv.forEach(args::add);
            JsonNode result = controller.client(Optional.of(key.load())).owner("POST", "/v1/cvms/" + path(cvm) + "/commands", body);
            if (json.json) {
                printJson(result);
            } else {
                spec.commandLine().getOut().print(new String(Base64.getDecoder().decode(result.path("stdout").asText()), StandardCharsets.UTF_8));
                spec.commandLine().getOut().flush();
                spec.commandLine().getErr().print(new String(Base64.getDecoder().decode(result.path("stderr").asText()), StandardCharsets.UTF_8));
                spec.commandLine().getErr().println("[duet] exit " + result.path("exit_status").asText("none")
                        + (result.path("timed_out").asBoolean() ? " (timed out)" : "") + ", log entries "
                        + result.path("started_index").asLong() + ".." + result.path("completed_index").asLong());
                spec.commandLine().getErr().flush();
            }
            return result.path("exit_status").isInt() && result.path("exit_status").asInt() == 0 ? 0 : CliFailure.CHECK_FAILED;
        }
    }

    @Command(name = "mode", description = "Switch a CVM to in-update or in-service.")
    static final class Mode extends Verb {
        @Mixin ControllerOption controller;
        @Mixin OwnerKeyOption key;
        @Parameters(index = "0", paramLabel = "CVM") String cvm;
        @Parameters(index = "1", paramLabel = "MODE", description = "in-update | in-service") String mode;

        @Override
        public Integer call() throws CliFailure {
            ObjectNode body = ControllerClient.JSON.createObjectNode().put("mode", mode);
            JsonNode result = controller.client(Optional.of(key.load())).owner("PUT", "/v1/cvms/" + path(cvm) + "/mode", body);
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
        @Parameters(index = "0", paramLabel = "CVM") String cvm;

        @Override
        public Integer call() throws CliFailure {
            JsonNode result = controller.client(Optional.of(key.load())).owner("DELETE", "/v1/cvms/" + path(cvm), null);
            out().println(cvm + " " + result.path("mode").asText());
            out().flush();
            return 0;
        }
    }

    @Command(name = "evidence", description = "Fetch the controller's evidence and say whether it attests the controller's key.")
    static final class Evidence extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;

        @Override
        public Integer call() throws CliFailure {
            String nonce = freshNonce();
            JsonNode evidence = controller.client(Optional.empty()).get("/v1/controller/evidence?nonce=" + nonce);
            if (json.json) {
                printJson(evidence);
                return 0;
            }
            EvidenceCheck check = EvidenceCheck.of(evidence, nonce);
            out().println("controller key " + check.key().keyId() + ", tee: " + check.tee().wire());
            out().println(check.verdict() instanceof ControllerEvidenceVerdict.Attested ? "attested: " + check.verdict().reason()
                    : "NOT ATTESTED: " + check.verdict().reason());
            out().flush();
            return 0;
        }
    }

    @Command(name = "owners", description = "Show the owner keys registered in log entry 0; with --key, check that yours is one (exit 1 if not).")
    static final class Owners extends Verb {
        @Mixin ControllerOption controller;
        @Option(names = "--key", description = "Your owner key file (private or .pub).") Path key;

        @Override
        public Integer call() throws CliFailure {
            JsonNode first = controller.client(Optional.empty()).get("/v1/log/entries?start=0&end=1").path("entries").path(0);
            if (!"owner.registered".equals(first.path("kind").asText()) || first.path("seq").asLong(-1) != 0) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "log entry 0 is not an owner registration");
            }
            java.util.List<String> ids = new java.util.ArrayList<>();
            for (JsonNode owner : first.path("payload").path("owner_keys")) {
                ids.add(owner.path("key_id").asText());
                out().println("owner " + owner.path("key_id").asText());
            }
            out().flush();
            if (key == null) {
                return 0;
            }
            String mine = ownKeyId(key);
            boolean registered = ids.contains(mine);
            out().println(registered ? "your key " + mine + " is registered" : "your key " + mine + " is NOT registered");
            out().flush();
            return registered ? 0 : CliFailure.CHECK_FAILED;
        }

        private static String ownKeyId(Path file) throws CliFailure {
            try {
                String text = Files.readString(file);
                return text.contains("PRIVATE KEY") ? Ed25519KeyPair.parsePem(text).publicKey().keyId() : Ed25519PublicKey.parsePem(text).keyId();
            } catch (IOException | KeyFormatException e) {
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
            JsonNode list = controller.client(Optional.empty()).get("/v1/cvms");
            if (json.json) {
                printJson(list);
                return 0;
            }
            for (JsonNode cvm : list.path("cvms")) {
                out().println(cvm.path("id").asText() + "  " + cvm.path("mode").asText() + "  " + cvm.path("name").asText() + "  " + cvm.path("address").asText());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "state", description = "Fetch a CVM's signed state (save it with --out to verify offline later).")
    static final class State extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM") String cvm;
        @Option(names = "--out", description = "Write the signed state to this file.") Path file;

        @Override
        public Integer call() throws CliFailure {
            JsonNode state = controller.client(Optional.empty()).get("/v1/cvms/" + path(cvm));
            if (file != null) {
                try {
                    Files.writeString(file, ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + e.getMessage());
                }
            }
            if (json.json) {
                printJson(state);
            } else {
                JsonNode payload = state.path("payload");
                out().println(payload.path("cvm").path("id").asText() + " " + payload.path("cvm").path("mode").asText()
                        + ", " + payload.path("entries").size() + " log entries (unverified: use verify-state)");
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "verify-state", description = "Verify a CVM's signed state: controller signature, complete history, mode. "
            + "Exit 0 trusted, 1 a check failed, 2 bad input.")
    static final class VerifyState extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;
        @Parameters(index = "0", arity = "0..1", paramLabel = "CVM", description = "Fetch this CVM's state now, with a fresh nonce.") String cvm;
        @Option(names = "--file", description = "Verify a saved state offline instead.") Path file;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Option(names = "--expect-cvm", description = "Fail unless the state is about this CVM.") String expectCvm;

        @Override
        public Integer call() throws CliFailure {
            if ((cvm == null) == (file == null)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "give either a CVM id (online) or --file (offline)");
            }
            Optional<String> nonce = Optional.empty();
            JsonNode document;
            if (file != null) {
                document = readJson(file);
            } else {
                nonce = Optional.of(freshNonce());
                document = controller.client(Optional.empty()).get("/v1/cvms/" + path(cvm) + "?nonce=" + nonce.get());
            }
            ControllerTrust.TrustedKey trusted = trust.resolve(file == null ? Optional.of(controller.client(Optional.empty())) : Optional.empty());
            StateVerdict verdict = CvmStateVerifier.verify(document, trusted.key(),
                    new CvmStateVerifier.Expectations(Optional.ofNullable(expectCvm).or(() -> Optional.ofNullable(cvm)), nonce));
            report(verdict, trusted);
            boolean ok = verdict.trusted() && trusted.failure().isEmpty();
            if (ok && file == null) {
                String note = document.path("payload").path("log").path("checkpoint").asText();
                try {
                    // With --json, stdout stays one JSON document; a rollback or fork report goes to stderr.
                    memory.accept(note, Checkpoint.parse(SignedNote.parse(note).text()), ControllerLog.verifierKey(trusted.key()),
                            controller.client(Optional.empty()), json.json ? spec.commandLine().getErr() : out());
                } catch (MalformedNoteException e) {
                    throw new IllegalStateException("the verifier accepted this checkpoint", e);
                }
            }
            return ok ? 0 : CliFailure.CHECK_FAILED;
        }

        private void report(StateVerdict verdict, ControllerTrust.TrustedKey trusted) {
            boolean ok = verdict.trusted() && trusted.failure().isEmpty();
            if (json.json) {
                ObjectNode out = ControllerClient.JSON.createObjectNode().put("trusted", ok).put("controller_key", trusted.key().keyId())
                        .put("controller_key_basis", trusted.basis());
                trusted.warning().ifPresent(w -> out.put("warning", w));
                trusted.failure().ifPresent(f -> out.put("controller_failure", f));
                ArrayNode checks = out.putArray("checks");
                verdict.checks().forEach(c -> checks.addObject().put("name", c.name()).put("passed", c.passed()).put("detail", c.detail()));
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

    static JsonNode readJson(Path file) throws CliFailure {
        try {
            return ControllerClient.JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read JSON from " + file + ": " + e.getMessage());
        }
    }

    static String freshNonce() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String path(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }
}
