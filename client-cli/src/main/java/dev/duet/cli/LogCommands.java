package dev.duet.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.TeeKind;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.ProofVerdict;
import dev.duet.log.merkle.ProofVerifier;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSuccession;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.LogExportVerifier;
import dev.duet.protocol.ProofJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code duet log …}: the controller's transparency log, its checkpoints and proofs. */
@Command(name = "log", description = "Check the controller's log: checkpoints, inclusion proofs, entries, exports.")
final class LogCommands implements Runnable {
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    @Spec CommandSpec spec;

    /** A bare {@code duet log}: say what is missing, with the usage. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a verb");
    }

    /** The latest checkpoint, verified with the trusted key, and what the remembered checkpoint says about it. */
    record Fresh(Checkpoint checkpoint, CheckpointSuccession.Verdict succession) {
        boolean refused() {
            return CheckpointMemory.refuses(succession);
        }
    }

    static Fresh freshCheckpoint(ControllerApi client, Ed25519PublicKey key, CheckpointMemory memory) throws CliFailure {
        return freshCheckpoint(client.checkpoint(), client, key, memory);
    }

    private static Fresh freshCheckpoint(String note, ControllerApi client, Ed25519PublicKey key, CheckpointMemory memory) throws CliFailure {
        Checkpoint offered;
        try {
            offered = Checkpoint.open(note, ControllerLog.verifierKey(key), ControllerLog.origin(key));
        } catch (MalformedNoteException | NoteRejectedException e) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "checkpoint does not verify: " + e.getMessage());
        }
        return new Fresh(offered, memory.accept(note, offered, ControllerLog.verifierKey(key), client));
    }

    static ControllerTrust.TrustedKey trusted(ControllerTrust trust, Optional<ControllerApi> client) throws CliFailure {
        ControllerTrust.TrustedKey key = trust.resolve(client);
        if (key.failure().isPresent()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, key.failure().get());
        }
        return key;
    }

    /** The start of every log verdict in JSON: the outcome and which key it rests on. */
    static ObjectNode verdictJson(String outcome, boolean value, ControllerTrust.TrustedKey key) {
        ObjectNode out = ControllerClient.JSON.createObjectNode().put(outcome, value).put("controller_key", key.key().keyId())
                .put("controller_key_basis", key.basis());
        key.warning().ifPresent(w -> out.put("warning", w));
        return out;
    }

    /** Text for a rollback or a fork: the verdict line, both checkpoints, and the one line on stderr. */
    static void reportRefusal(DuetCli.Verb verb, Fresh fresh) {
        verb.out().println(CheckpointMemory.detail(fresh.succession()));
        CheckpointMemory.printCheckpoints(fresh.succession(), verb.out());
        verb.out().flush();
    }

    /** A rollback or fork as the verb's verdict ({@code outcome: false} and {@code extra} in JSON); returns the exit code. */
    static int refused(DuetCli.Verb verb, boolean json, String outcome, ControllerTrust.TrustedKey key, Fresh fresh,
            Consumer<ObjectNode> extra) {
        if (json) {
            ObjectNode out = verdictJson(outcome, false, key);
            extra.accept(out);
            out.put("detail", CheckpointMemory.detail(fresh.succession()));
            out.set("checkpoint_memory", CheckpointMemory.json(fresh.succession()));
            verb.printJson(out);
        } else {
            key.warning().ifPresent(verb.out()::println);
            reportRefusal(verb, fresh);
        }
        return refusalExit(verb, fresh);
    }

    static int refusalExit(DuetCli.Verb verb, Fresh fresh) {
        verb.err().println("duet: " + CheckpointMemory.summary(fresh.succession()));
        verb.err().flush();
        return CliFailure.CHECK_FAILED;
    }

    /** Entry {@code index} as the controller served it; decoded when, and only when, it is proved to be in the checkpointed tree. */
    record Proved(JsonNode entry, Optional<LogEntry> decoded, Optional<String> failure) {}

    /** Fetches entry {@code index} and its RFC 9162 inclusion proof, and checks the proof against the verified checkpoint. */
    static Proved prove(ControllerApi client, Checkpoint checkpoint, long index) throws CliFailure {
        return prove(client, checkpoint, index, client.entries(index, index + 1).path("entries").path(0));
    }

    /** Checks that {@code entry}, served as the log's entry {@code index}, is that entry of the checkpointed tree, by its inclusion proof. */
    static Proved prove(ControllerApi client, Checkpoint checkpoint, long index, JsonNode entry) throws CliFailure {
        try {
            LogEntry decoded = EntryCodec.fromJson(entry);
            List<Sha256Hash> path = ProofJson.read(client.inclusionProof(index, checkpoint.size()).path("path"))
                    .orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED, "inclusion proof is not a list of SHA-256 values"));
            ProofVerdict verdict = ProofVerifier.verifyInclusion(index, checkpoint.size(), MerkleHashes.leaf(EntryCodec.encode(decoded)), path,
                    checkpoint.root());
            return verdict instanceof ProofVerdict.Invalid invalid ? new Proved(entry, Optional.empty(), Optional.of(invalid.reason()))
                    : new Proved(entry, Optional.of(decoded), Optional.empty());
        } catch (MalformedEntryException e) {
            return new Proved(entry, Optional.empty(), Optional.of("the entry is malformed: " + e.getMessage()));
        }
    }

    @Command(name = "checkpoint", description = "Fetch and verify the latest checkpoint; detect rollbacks and forks against the one remembered.")
    static final class CheckpointVerb extends DuetCli.Verb {
        @Mixin DuetCli.ControllerOption controller;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Mixin DuetCli.JsonOption json;
        @Option(names = "--out", paramLabel = "FILE", description = "Also save the verified checkpoint, as the signed note the controller "
                + "served, for 'duet verify --since FILE' later. Not written when the checkpoint is refused.")
        Path file;

        @Override
        public Integer call() throws CliFailure {
            if (file != null) {
                DuetCli.outputFile(file, "--out");
            }
            ControllerApi client = controller.client(Optional.empty());
            ControllerTrust.TrustedKey key = trusted(trust, Optional.of(client));
            String note = client.checkpoint();
            Fresh fresh = freshCheckpoint(note, client, key.key(), memory);
            if (file != null && !fresh.refused()) {
                try {
                    Files.writeString(file, note, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write --out " + file + ": " + InputFiles.describe(e));
                }
            }
            if (json.json) {
                ObjectNode out = verdictJson("trusted", !fresh.refused(), key);
                out.set("checkpoint", CheckpointMemory.json(fresh.checkpoint()));
                out.set("checkpoint_memory", CheckpointMemory.json(fresh.succession()));
                printJson(out);
            } else {
                key.warning().ifPresent(out()::println);
                if (fresh.refused()) {
                    reportRefusal(this, fresh);
                } else {
                    Checkpoint checkpoint = fresh.checkpoint();
                    out().println("checkpoint verified: " + checkpoint.origin() + " size " + checkpoint.size() + " root " + checkpoint.root()
                            + " (" + CheckpointMemory.detail(fresh.succession()) + ")");
                    out().flush();
                }
            }
            return fresh.refused() ? refusalExit(this, fresh) : 0;
        }
    }

    @Command(name = "inclusion", description = "Verify that one log entry is in the latest checkpointed log.")
    static final class Inclusion extends DuetCli.Verb {
        @Mixin DuetCli.ControllerOption controller;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Mixin DuetCli.JsonOption json;
        @Option(names = "--index", required = true, description = "The entry's sequence number.") long index;

        @Override
        public Integer call() throws CliFailure {
            ControllerApi client = controller.client(Optional.empty());
            ControllerTrust.TrustedKey key = trusted(trust, Optional.of(client));
            Fresh fresh = freshCheckpoint(client, key.key(), memory);
            if (fresh.refused()) {
                return refused(this, json.json, "included", key, fresh, out -> out.put("index", index));
            }
            Checkpoint checkpoint = fresh.checkpoint();
            if (index < 0 || index >= checkpoint.size()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "index " + index + " is not in the checkpointed log of size " + checkpoint.size());
            }
            Proved proved = prove(client, checkpoint, index);
            JsonNode entry = proved.entry();
            Optional<String> failure = proved.failure();
            String detail = failure.map(f -> "entry " + index + " is NOT INCLUDED: " + f)
                    .orElse("entry " + index + " (" + entry.path("kind").asText() + entry.path("subject").asText("").transform(s -> s.isEmpty() ? "" : ", " + s)
                            + ") is in the log of size " + checkpoint.size());
            if (json.json) {
                ObjectNode out = verdictJson("included", failure.isEmpty(), key).put("index", index).put("detail", detail);
                out.set("checkpoint", CheckpointMemory.json(checkpoint));
                out.set("checkpoint_memory", CheckpointMemory.json(fresh.succession()));
                if (failure.isEmpty()) {
                    out.set("entry", entry);
                }
                printJson(out);
            } else {
                key.warning().ifPresent(out()::println);
                out().println(failure.isPresent() ? "NOT INCLUDED: " + detail : detail);
                out().flush();
            }
            return failure.isEmpty() ? 0 : CliFailure.CHECK_FAILED;
        }
    }

    /**
     * Writes the export page by page as the controller serves it (never the whole log in memory),
     * to a temporary file that replaces {@code --out} only when complete, and saves the controller's
     * evidence beside it so that the verify command it prints works as printed. Where it cannot
     * write (a directory, "-", a missing directory) it says so before fetching or writing anything.
     */
    @Command(name = "export", description = "Write the latest checkpoint and every entry it covers to a file, and the controller's "
            + "evidence to FILE.evidence.json, for offline verification.")
    static final class Export extends DuetCli.Verb {
        @Mixin DuetCli.ControllerOption controller;
        @Mixin TransportTrust transportTrust;
        @Mixin DuetCli.JsonOption json;
        @Option(names = "--out", required = true, description = "The export file (not '-': stdout carries the report).") Path file;

        @Override
        public Integer call() throws CliFailure {
            Path evidenceFile = Path.of(file + ".evidence.json");
            DuetCli.outputFile(file, "--out");
            DuetCli.outputFile(evidenceFile, "--out");
            ControllerApi client = controller.client(Optional.empty());
            JsonNode evidence = client.evidence();
            String note = client.checkpoint();
            Checkpoint checkpoint;
            try {
                checkpoint = Checkpoint.parse(SignedNote.parse(note).text());
            } catch (MalformedNoteException e) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "controller served a malformed checkpoint: " + e.getMessage());
            }
            Path directory = file.toAbsolutePath().getParent();
            Path partial = null;
            Path partialEvidence = null;
            try {
                partial = Files.createTempFile(directory, ".duet-export", ".part");
                partialEvidence = Files.createTempFile(directory, ".duet-evidence", ".part");
                writeEntries(client, note, checkpoint.size(), partial);
                Files.writeString(partialEvidence, ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(evidence));
                Files.move(partialEvidence, evidenceFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + InputFiles.describe(e));
            } finally {
                deleteQuietly(partial);
                deleteQuietly(partialEvidence);
            }
            // The command names the saved evidence and no trust: which controller build or simulated root to accept is the
            // user's to add (the evidence alone attests nothing), except --allow-no-tee for a controller that has no TEE at all.
            List<String> verify = new ArrayList<>(List.of("duet", "log", "verify-export", pathWord(file), "--evidence",
                    pathWord(evidenceFile)));
            Optional<String> caveat;
            try {
                EvidenceVerdict.Facts facts = EvidenceCheck.of(evidence, Optional.empty(), EvidenceCheck.trust(Optional.empty(), List.of()));
                if (facts.tee() == TeeKind.NONE) {
                    verify.add("--allow-no-tee");
                    caveat = Optional.of("INSECURE: this controller runs without a TEE; --allow-no-tee accepts its key unattested");
                } else {
                    caveat = Optional.of("the controller's evidence attests its key only with what you trust added to the command below: "
                            + EvidenceCheck.notAttested(facts));
                }
            } catch (CliFailure e) {
                caveat = Optional.of("the controller's evidence does not check out: " + e.getMessage());
            }
            String command = String.join(" ", verify.stream().map(LogCommands::shellWord).toList());
            if (json.json) {
                ObjectNode out = ControllerClient.JSON.createObjectNode().put("file", file.toString()).put("entries", checkpoint.size())
                        .put("evidence_file", evidenceFile.toString()).put("verify_command", command);
                out.set("checkpoint", CheckpointMemory.json(checkpoint));
                caveat.ifPresent(c -> out.put("warning", c));
                printJson(out);
                return 0;
            }
            out().println("exported " + checkpoint.size() + " entries and their checkpoint to " + file + ", the controller's evidence to "
                    + evidenceFile);
            caveat.ifPresent(out()::println);
            out().println("verify offline with:");
            out().println("  " + command);
            out().flush();
            return 0;
        }

        private static void writeEntries(ControllerApi client, String note, long size, Path target) throws IOException, CliFailure {
            try (OutputStream stream = Files.newOutputStream(target);
                    JsonGenerator out = ControllerClient.JSON.getFactory().createGenerator(new java.io.BufferedOutputStream(stream, 1 << 16))) {
                out.writeStartObject();
                out.writeStringField("checkpoint", note);
                out.writeArrayFieldStart("entries");
                long written = 0;
                while (written < size) {
                    JsonNode page = client.entries(written, size).path("entries");
                    if (page.isEmpty()) {
                        throw new CliFailure(CliFailure.CHECK_FAILED, "controller stopped serving entries at " + written + " of " + size);
                    }
                    for (JsonNode entry : page) {
                        if (written == size) {
                            break;
                        }
                        out.writeTree(entry);
                        written++;
                    }
                }
                out.writeEndArray();
                out.writeEndObject();
            }
        }

        private static void deleteQuietly(Path partial) {
            if (partial == null) {
                return;
            }
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // Only a leftover temporary file; the failure that matters was reported.
            }
        }
    }

    /** A file name as an argument: one that starts with '-' would be read as an option, so it gets "./". */
    private static String pathWord(Path file) {
        return file.toString().startsWith("-") ? "./" + file : file.toString();
    }

    /** A word as sh reads it back unchanged. */
    static String shellWord(String word) {
        return SHELL_SAFE.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    @Command(name = "verify-export", description = "Verify an exported log offline. Exit 0 intact, 1 tampered, "
            + "2 bad input or the verification could not finish (e.g. out of memory).")
    static final class VerifyExport extends DuetCli.Verb {
        @Mixin ControllerTrust trust;
        @Mixin DuetCli.JsonOption json;
        @Parameters(index = "0", paramLabel = "FILE") Path file;

        @Override
        public Integer call() throws CliFailure {
            InputFiles.requireRegular(file, "export");
            ControllerTrust.TrustedKey key = trusted(trust, Optional.empty());
            LogExportVerifier.Verdict verdict;
            try {
                verdict = LogExportVerifier.verify(file, key.key());
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "could not verify " + file + ": " + InputFiles.describe(e));
            } catch (LogExportVerifier.CouldNotVerify e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "could not verify " + file + ": " + e.getMessage());
            }
            if (json.json) {
                ObjectNode out = verdictJson("intact", verdict.intact(), key).put("detail", verdict.detail());
                if (verdict.intact()) {
                    out.put("entries", verdict.size());
                }
                verdict.firstBadIndex().ifPresentOrElse(i -> out.put("first_bad_index", i), () -> out.putNull("first_bad_index"));
                verdict.checkpoint().ifPresent(c -> out.set("checkpoint", CheckpointMemory.json(c)));
                printJson(out);
            } else {
                key.warning().ifPresent(out()::println);
                out().println((verdict.intact() ? "INTACT: " : "TAMPERED: ") + verdict.detail()
                        + (verdict.firstBadIndex().isPresent() ? " (first bad index " + verdict.firstBadIndex().getAsLong() + ")" : ""));
                out().flush();
            }
            return verdict.intact() ? 0 : CliFailure.CHECK_FAILED;
        }
    }
}
