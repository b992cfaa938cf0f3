package dev.duet.cli;

import static dev.duet.cli.DuetCli.freshNonce;
import static dev.duet.cli.DuetCli.notAnswered;
import static dev.duet.cli.DuetCli.outputFile;
import static dev.duet.cli.DuetCli.printable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.TeeKind;
import dev.duet.cli.DuetCli.ControllerOption;
import dev.duet.cli.DuetCli.JsonOption;
import dev.duet.cli.DuetCli.Verb;
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
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.StateVerdict;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The user verbs, which need no key: fetch what the controller shows anyone and check it (evidence, owners, list, state, verify-state). */
final class UserCommands {
    private UserCommands() {
    }

    @Command(name = "evidence", description = "Fetch the controller's evidence with a fresh nonce and check it: signed by the key "
            + "it names, fresh, and attesting that key. Exit 0 attested, 1 not (or the evidence does not verify), 2 usage or "
            + "unreachable. --json prints the verified evidence itself, to save for offline verification with --evidence.")
    static final class Evidence extends Verb {
        @Mixin ControllerOption controller;
        @Mixin JsonOption json;
        @Option(names = "--allow-no-tee", description = "INSECURE: exit 0 for a controller that runs without a TEE (tee: none).")
        boolean allowNoTee;
        @Mixin HardwareTrust hardware;

        @Override
        public Integer call() throws CliFailure {
            String nonce = freshNonce();
            JsonNode evidence = controller.client(Optional.empty()).evidence(nonce);
            EvidenceVerdict.Facts facts = EvidenceCheck.of(evidence, Optional.of(nonce), hardware.trust());
            boolean attested = facts.attestation() instanceof ControllerEvidenceVerdict.Attested;
            boolean simulated = facts.attestation() instanceof ControllerEvidenceVerdict.Attested a && a.simulated();
            boolean accepted = attested || allowNoTee && facts.tee() == TeeKind.NONE;
            if (!json.json) {
                out().println("controller key " + facts.key().keyId() + ", tee: " + facts.tee().wire());
                // Check texts quote the evidence (its attestation provider is whatever its maker wrote): escaped for the terminal.
                facts.attestation().checks().forEach(check -> out().println(printable(check.describe())));
                if (simulated) {
                    out().println(EvidenceCheck.SIMULATED);
                }
                out().println(printable(attested ? "attested" + (simulated ? " (SIMULATED)" : "") + ": " + facts.attestation().reason()
                        : (accepted ? "INSECURE (accepted because of --allow-no-tee), " : "") + "NOT ATTESTED: " + facts.attestation().reason()));
                out().flush();
            }
            if (!accepted) {
                throw new CliFailure(CliFailure.CHECK_FAILED, EvidenceCheck.notAttested(facts));
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
                return LogCommands.refused(this, json.json, "verified", trusted, fresh,
                        out -> mine.ifPresent(m -> out.put("your_key", m).put("registered", false)));
            }
            Checkpoint checkpoint = fresh.checkpoint();
            Optional<String> failure;
            List<String> ids = new ArrayList<>();
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
        @Mixin TransportTrust transportTrust;
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
                if (!cvm.isObject() || !CvmState.ID.matcher(cvm.path("id").asText("")).matches() || !cvm.path("mode").isTextual()) {
                    throw notAnswered(client, "a list of CVMs");
                }
                out().println(printable(cvm.path("id").asText() + "  " + cvm.path("mode").asText() + "  " + cvm.path("name").asText() + "  "
                        + cvm.path("address").asText()));
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "state", description = "Fetch a CVM's signed state, a summary (save it with --out, with its history paged from "
            + "the controller beside it, to verify offline later).")
    static final class State extends Verb {
        @Mixin ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin JsonOption json;
        @Parameters(index = "0", paramLabel = "CVM", converter = CvmRef.class, description = CvmRef.WHAT) String cvm;
        @Option(names = "--out", description = "Write the signed state to this file.") Path file;

        @Override
        public Integer call() throws CliFailure {
            if (file != null) {
                outputFile(file, "--out");
            }
            ControllerApi client = controller.client(Optional.empty());
            JsonNode state = client.state(cvm);
            if (!state.path("signature").isObject() || !CvmRef.names(state.path("payload").path("cvm"), cvm)
                    || !CvmState.ID.matcher(state.path("payload").path("cvm").path("id").asText("")).matches()) {
                throw notAnswered(client, "a signed state of " + cvm);
            }
            if (file != null) {
                JsonNode saved = state;
                if (CvmState.FORMAT_V2.equals(state.path("payload").path("format").asText())) {
                    // A summary alone cannot be verified offline: its history goes beside it.
                    ObjectNode withHistory = ControllerClient.JSON.createObjectNode().put("format", CvmState.SAVED_FORMAT);
                    withHistory.set("state", state);
                    CvmPages.history(client, state.path("payload").path("cvm").path("id").asText(), state)
                            .forEach(withHistory.putArray("entries")::add);
                    saved = withHistory;
                }
                try {
                    Files.writeString(file, ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(saved));
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + InputFiles.describe(e));
                }
            }
            if (json.json) {
                printJson(state);
            } else {
                JsonNode payload = state.path("payload");
                out().println(printable(payload.path("cvm").path("id").asText() + " " + payload.path("cvm").path("mode").asText()
                        + ", " + payload.path("cvm_log").path("size").asLong() + " log entries (unverified: use verify-state)"));
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
        @Parameters(index = "0", arity = "0..1", paramLabel = "CVM", converter = CvmRef.class, description = "Fetch this CVM's state now, "
                + "with a fresh nonce: " + CvmRef.WHAT) String cvm;
        @Option(names = "--file", description = "Verify a saved state offline instead.") Path file;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Option(names = "--expect-cvm", converter = CvmRef.class, description = "Fail unless the state is about this CVM (its id, or its name).") String expectCvm;

        @Override
        public Integer call() throws CliFailure {
            if ((cvm == null) == (file == null)) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "give either a CVM id or name (online) or --file (offline)");
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
                ControllerApi client = controller.client(Optional.empty());
                JsonNode document = client.state(cvm, nonce);
                fetched = Optional.of(document);
                trusted = trust.resolve(Optional.of(controller.client(Optional.empty())));
                CvmStateVerifier.Expectations expectations = new CvmStateVerifier.Expectations(expectedCvm, Optional.of(nonce));
                verdict = CvmState.FORMAT_V2.equals(document.path("payload").path("format").asText())
                        ? CvmStateVerifier.verify(document, CvmPages.history(client, pagedBy(document, cvm), document), trusted.key(), expectations)
                        : CvmStateVerifier.verify(document, trusted.key(), expectations);
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

        /**
         * The id to page the history by: the one the document names when it is the CVM asked about (a
         * name could pass to another CVM between two requests; an id never does), else as asked, for the
         * verifier to refuse.
         */
        private static String pagedBy(JsonNode document, String asked) {
            JsonNode cvm = document.path("payload").path("cvm");
            return CvmRef.names(cvm, asked) && CvmState.ID.matcher(cvm.path("id").asText("")).matches() ? cvm.path("id").asText() : asked;
        }

        /** The verifier's checks, then what the remembered checkpoint says of the state's: the verdict's checks, in order. */
        private static List<Check> allChecks(StateVerdict verdict, Optional<CheckpointSuccession.Verdict> succession,
                Optional<CheckpointMemory.Offline> offline) {
            List<Check> all = new ArrayList<>(verdict.checks());
            succession.map(CheckpointMemory::check).ifPresent(all::add);
            offline.map(CheckpointMemory.Offline::check).ifPresent(all::add);
            return all;
        }

        private void report(StateVerdict verdict, ControllerTrust.TrustedKey trusted, Optional<CheckpointSuccession.Verdict> succession,
                Optional<CheckpointMemory.Offline> offline, boolean ok) {
            if (json.json) {
                ObjectNode out = ControllerClient.JSON.createObjectNode().put("trusted", ok).put("controller_key", trusted.key().keyId())
                        .put("controller_key_basis", trusted.basis());
                trusted.warning().ifPresent(w -> out.put("warning", w));
                trusted.failure().ifPresent(f -> out.put("controller_failure", f));
                ArrayNode checks = out.putArray("checks");
                // "name" and "detail" are what this report called a check's id and its words before it shared them with attest verify.
                allChecks(verdict, succession, offline).forEach(c -> checks.add(CheckReport.json(c).put("name", c.id()).put("detail", c.detail())));
                succession.ifPresent(s -> out.set("checkpoint_memory", CheckpointMemory.json(s)));
                offline.ifPresent(o -> {
                    if (o.refuses()) {
                        out.put("reason", o.detail());
                    }
                });
                verdict.facts().ifPresent(f -> {
                    ObjectNode facts = out.putObject("cvm").put("id", f.cvmId()).put("name", f.name()).put("mode", f.mode().wire())
                            .put("host_key", f.hostKey()).put("entries", f.entries()).put("commands_run", f.commandsRun());
                    f.inServiceSince().ifPresentOrElse(s -> facts.put("in_service_since_entry", s), () -> facts.putNull("in_service_since_entry"));
                    facts.put("commands_in_service", f.commandsInService());
                    facts.putObject("policy").put("version", f.policy().version()).put("sha256", f.policy().sha256());
                    f.hostKeyAttestation().ifPresent(a -> facts.putObject("host_key_attestation").put("evidence_source", a.evidenceSource())
                            .put("simulated", a.simulated()).put("trust", a.trust()));
                });
                printJson(out);
                return;
            }
            PrintWriter out = out();
            trusted.warning().ifPresent(out::println);
            trusted.failure().ifPresent(f -> out.println(printable("FAIL controller: " + f)));
            verdict.checks().forEach(check -> out.println(printable(check.describe())));
            succession.ifPresent(s -> {
                out.println(CheckpointMemory.check(s).describe());
                CheckpointMemory.printCheckpoints(s, out);
            });
            offline.ifPresent(o -> out.println(o.prefix() + CheckpointMemory.CHECK + ": " + o.check().detail()));
            verdict.facts().ifPresent(f -> out.println("CVM " + f.cvmId() + " (" + f.name() + ") is " + f.mode().wire()
                    + (f.inServiceSince().isPresent() ? " since log entry " + f.inServiceSince().getAsLong() + "; " + (f.commandsInService() == 0
                            ? "no command ran since" : f.commandsInService() + (f.commandsInService() == 1 ? " command" : " commands")
                            + " the policy allows in-service ran since") : "")
                    + "; " + f.commandsRun() + " commands in " + f.entries() + " entries"
                    + "; policy version " + f.policy().version() + " sha256 " + f.policy().sha256()
                    + f.hostKeyAttestation().map(a -> "; " + a.describe()).orElse("")));
            out.println(ok ? "TRUSTED" + trusted.tag().map(t -> " (" + t + ")").orElse("") : "NOT TRUSTED");
            out.flush();
        }
    }
}
