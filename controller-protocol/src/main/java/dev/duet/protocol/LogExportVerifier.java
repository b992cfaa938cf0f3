package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.log.ChainVerdict;
import dev.duet.log.ChainVerifier;
import dev.duet.log.EntryCodec;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Verifies an exported log offline: {@code {"checkpoint": "<signed note>", "entries": [entry, …]}}.
 * The checkpoint must be signed by the controller; the entries must be exactly the checkpointed
 * ones: as many, each chained to its predecessor (per log and per subject), and their RFC 9162 tree
 * must have the checkpoint's root. The verdict names the first bad entry when there is one.
 */
public final class LogExportVerifier {
    private LogExportVerifier() {}

    public record Verdict(boolean intact, long size, OptionalLong firstBadIndex, String detail, Optional<Checkpoint> checkpoint) {
        static Verdict bad(long index, String detail) {
            return new Verdict(false, -1, OptionalLong.of(index), detail, Optional.empty());
        }

        static Verdict badWhole(String detail) {
            return new Verdict(false, -1, OptionalLong.empty(), detail, Optional.empty());
        }
    }

    /**
     * A broken link at {@code k} means entry k-1 or entry k was altered. If entry k still matches
     * what entry k+1 committed to, entry k is intact and k-1 is the altered one; otherwise k is.
     */
    private static long alteredEntry(List<byte[]> encoded, int k, String reason) {
        if (k == 0 || !reason.startsWith("prev is") || k + 1 >= encoded.size()) {
            return k;
        }
        try {
            boolean nextLinkHolds = EntryCodec.decode(encoded.get(k + 1)).prev().equals(dev.duet.log.Sha256Hash.of(encoded.get(k)));
            return nextLinkHolds ? k - 1 : k;
        } catch (MalformedEntryException e) {
            return k;
        }
    }

    public static Verdict verify(JsonNode export, Ed25519PublicKey controllerKey) {
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.open(export.path("checkpoint").asText(""), ControllerLog.verifierKey(controllerKey),
                    ControllerLog.origin(controllerKey));
        } catch (MalformedNoteException | NoteRejectedException e) {
            return Verdict.badWhole("checkpoint: " + e.getMessage());
        }
        JsonNode entries = export.path("entries");
        if (!entries.isArray()) {
            return Verdict.badWhole("entries is not an array");
        }
        List<byte[]> encoded = new ArrayList<>(entries.size());
        List<dev.duet.log.LogEntry> decoded = new ArrayList<>(entries.size());
        MerkleFrontier tree = new MerkleFrontier();
        for (int i = 0; i < entries.size(); i++) {
            try {
                decoded.add(EntryCodec.fromJson(entries.get(i)));
            } catch (MalformedEntryException e) {
                return Verdict.bad(i, "entry " + i + " is malformed: " + e.getMessage());
            }
            byte[] bytes = EntryCodec.encode(decoded.get(i));
            encoded.add(bytes);
            tree.append(MerkleHashes.leaf(bytes));
        }
        ChainVerdict chain = ChainVerifier.verifyLog(decoded, encoded);
        if (chain instanceof ChainVerdict.Broken broken) {
            long bad = alteredEntry(encoded, (int) broken.index(), broken.reason());
            return Verdict.bad(bad, "entry " + bad + " does not fit the chain (" + broken.reason() + " at entry " + broken.index() + ")");
        }
        if (entries.size() != checkpoint.size()) {
            long firstBad = Math.min(entries.size(), checkpoint.size());
            return Verdict.bad(firstBad, "the export holds " + entries.size() + " entries but the checkpoint covers " + checkpoint.size()
                    + (entries.size() < checkpoint.size() ? ": the tail is missing" : ": entries beyond the checkpoint"));
        }
        if (!tree.root().equals(checkpoint.root())) {
            return Verdict.badWhole("the entries' Merkle root " + tree.root() + " is not the checkpoint's " + checkpoint.root()
                    + ": the log was rewritten consistently but not re-signed");
        }
        return new Verdict(true, checkpoint.size(), OptionalLong.empty(), "all " + checkpoint.size()
                + " entries chained and matching the signed checkpoint", Optional.of(checkpoint));
    }
}
