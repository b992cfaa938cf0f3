package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.ProofVerdict;
import dev.duet.log.merkle.ProofVerifier;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.LogExportVerifier;
import dev.duet.protocol.ProofJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duet log …}: the controller's transparency log, its checkpoints and proofs. */
@Command(name = "log", description = "Check the controller's log: checkpoints, inclusion proofs, exports.",
        subcommands = {LogCommands.CheckpointVerb.class, LogCommands.Inclusion.class, LogCommands.Export.class, LogCommands.VerifyExport.class})
final class LogCommands {
    private LogCommands() {}

    /** Fetches the latest checkpoint, verifies it with the trusted key, and checks it follows the remembered one. */
    static Checkpoint freshCheckpoint(ControllerClient client, Ed25519PublicKey key, CheckpointMemory memory, java.io.PrintWriter out) throws CliFailure {
        String note = client.getText("/v1/log/checkpoint");
        Checkpoint offered;
        try {
            offered = Checkpoint.open(note, ControllerLog.verifierKey(key), ControllerLog.origin(key));
        } catch (MalformedNoteException | NoteRejectedException e) {
            throw new CliFailure(CliFailure.CHECK_FAILED, "checkpoint does not verify: " + e.getMessage());
        }
        return memory.accept(note, offered, ControllerLog.verifierKey(key), client, out);
    }

    static ControllerTrust.TrustedKey trusted(ControllerTrust trust, ControllerClient client, java.io.PrintWriter out) throws CliFailure {
        ControllerTrust.TrustedKey key = trust.resolve(Optional.of(client));
        if (key.failure().isPresent()) {
            throw new CliFailure(CliFailure.CHECK_FAILED, key.failure().get());
        }
        key.warning().ifPresent(out::println);
        return key;
    }

    @Command(name = "checkpoint", description = "Fetch and verify the latest checkpoint; detect rollbacks and forks against the one remembered.")
    static final class CheckpointVerb extends DuetCli.Verb {
        @Mixin DuetCli.ControllerOption controller;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;

        @Override
        public Integer call() throws CliFailure {
            ControllerClient client = controller.client(Optional.empty());
            Checkpoint checkpoint = freshCheckpoint(client, trusted(trust, client, out()).key(), memory, out());
            out().println("checkpoint verified: " + checkpoint.origin() + " size " + checkpoint.size() + " root " + checkpoint.root());
            out().flush();
            return 0;
        }
    }

    @Command(name = "inclusion", description = "Verify that one log entry is in the latest checkpointed log.")
    static final class Inclusion extends DuetCli.Verb {
        @Mixin DuetCli.ControllerOption controller;
        @Mixin ControllerTrust trust;
        @Mixin CheckpointMemory memory;
        @Option(names = "--index", required = true, description = "The entry's sequence number.") long index;

        @Override
        public Integer call() throws CliFailure {
            ControllerClient client = controller.client(Optional.empty());
            Checkpoint checkpoint = freshCheckpoint(client, trusted(trust, client, out()).key(), memory, out());
            if (index < 0 || index >= checkpoint.size()) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "index " + index + " is not in the checkpointed log of size " + checkpoint.size());
            }
            JsonNode entry = client.get("/v1/log/entries?start=" + index + "&end=" + (index + 1)).path("entries").path(0);
            byte[] bytes;
            try {
                bytes = EntryCodec.encode(EntryCodec.fromJson(entry));
            } catch (MalformedEntryException e) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "entry " + index + " is malformed: " + e.getMessage());
            }
            List<Sha256Hash> path = ProofJson.read(client.get("/v1/log/proof/inclusion?index=" + index + "&size=" + checkpoint.size()).path("path"))
                    .orElseThrow(() -> new CliFailure(CliFailure.CHECK_FAILED, "inclusion proof is not a list of SHA-256 values"));
            ProofVerdict verdict = ProofVerifier.verifyInclusion(index, checkpoint.size(), MerkleHashes.leaf(bytes), path, checkpoint.root());
            if (verdict instanceof ProofVerdict.Invalid invalid) {
                out().println("NOT INCLUDED: entry " + index + ": " + invalid.reason());
                out().flush();
                return CliFailure.CHECK_FAILED;
            }
            out().println("entry " + index + " (" + entry.path("kind").asText() + entry.path("subject").asText("").transform(s -> s.isEmpty() ? "" : ", " + s)
                    + ") is in the log of size " + checkpoint.size());
            out().flush();
            return 0;
        }
    }

    @Command(name = "export", description = "Write the latest checkpoint and every entry it covers to a file, for offline verification.")
    static final class Export extends DuetCli.Verb {
        @Mixin DuetCli.ControllerOption controller;
        @Option(names = "--out", required = true) Path file;

        @Override
        public Integer call() throws CliFailure {
            ControllerClient client = controller.client(Optional.empty());
            String note = client.getText("/v1/log/checkpoint");
            long size;
            try {
                size = Checkpoint.parse(SignedNote.parse(note).text()).size();
            } catch (MalformedNoteException e) {
                throw new CliFailure(CliFailure.CHECK_FAILED, "controller served a malformed checkpoint: " + e.getMessage());
            }
            ObjectNode export = ControllerClient.JSON.createObjectNode().put("checkpoint", note);
            ArrayNode entries = export.putArray("entries");
            while (entries.size() < size) {
                JsonNode page = client.get("/v1/log/entries?start=" + entries.size() + "&end=" + size).path("entries");
                if (page.isEmpty()) {
                    throw new CliFailure(CliFailure.CHECK_FAILED, "controller stopped serving entries at " + entries.size() + " of " + size);
                }
                page.forEach(entries::add);
            }
            try {
                Files.write(file, ControllerClient.JSON.writeValueAsBytes(export));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot write " + file + ": " + e.getMessage());
            }
            out().println("exported " + size + " entries and their checkpoint to " + file + " (verify with: duet log verify-export " + file + ")");
            out().flush();
            return 0;
        }
    }

    @Command(name = "verify-export", description = "Verify an exported log offline. Exit 0 intact, 1 tampered, 2 bad input.")
    static final class VerifyExport extends DuetCli.Verb {
        @Mixin ControllerTrust trust;
        @Parameters(index = "0", paramLabel = "FILE") Path file;

        @Override
        public Integer call() throws CliFailure {
            ControllerTrust.TrustedKey key = trust.resolve(Optional.empty());
            if (key.failure().isPresent()) {
                throw new CliFailure(CliFailure.CHECK_FAILED, key.failure().get());
            }
            key.warning().ifPresent(out()::println);
            LogExportVerifier.Verdict verdict;
            try {
                verdict = LogExportVerifier.verify(file, key.key());
            } catch (IOException e) {
                throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + file + ": " + e.getMessage());
            }
            out().println((verdict.intact() ? "INTACT: " : "TAMPERED: ") + verdict.detail()
                    + (verdict.firstBadIndex().isPresent() ? " (first bad index " + verdict.firstBadIndex().getAsLong() + ")" : ""));
            out().flush();
            return verdict.intact() ? 0 : CliFailure.CHECK_FAILED;
        }
    }
}
