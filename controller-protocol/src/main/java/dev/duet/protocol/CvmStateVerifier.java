package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.ChainVerdict;
import dev.duet.log.ChainVerifier;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.ProofVerdict;
import dev.duet.log.merkle.ProofVerifier;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Verifies a signed CVM state document offline (guarantees 2, 4 and 5 of DESIGN §3): the controller's
 * signature, the CVM's complete hash-chained history, and that the claimed mode is the one its
 * history leads to, with no command started outside {@code in-update}. Pure: JSON in, verdict out.
 */
public final class CvmStateVerifier {
    private CvmStateVerifier() {}

    /** What the user expects, beyond a valid signature: optionally a CVM id and a fresh nonce. */
    public record Expectations(Optional<String> cvmId, Optional<String> nonce) {
        public static Expectations none() {
            return new Expectations(Optional.empty(), Optional.empty());
        }
    }

    /**
     * Verifies a state as the bytes the user holds. Bytes that are not one strict JSON document
     * ({@link StrictJson}: a duplicate member, content after the document, nesting or a string
     * beyond what the controller writes, a cut) are not what the controller signed: the verdict is
     * "not trusted", with the reason as its failing {@code document} check.
     */
    public static StateVerdict verify(byte[] document, Ed25519PublicKey controllerKey, Expectations expected) {
        JsonNode tree;
        try {
            tree = StrictJson.read(document);
        } catch (MalformedJsonException e) {
            return new StateVerdict(List.of(check("document", false, "not a state the controller signed: " + e.getMessage())),
                    Optional.empty());
        }
        return verify(tree, controllerKey, expected);
    }

    /** Verifies a state already read with {@link StrictJson} (an answer of the controller). */
    public static StateVerdict verify(JsonNode document, Ed25519PublicKey controllerKey, Expectations expected) {
        List<StateVerdict.Check> checks = new ArrayList<>();
        SignedDocument.Verified verified = SignedDocument.verify(document, controllerKey);
        checks.add(check("signature", verified.payload().isPresent(),
                verified.payload().isPresent() ? "signed by controller key " + controllerKey.keyId() : verified.failure()));
        if (verified.payload().isEmpty()) {
            return new StateVerdict(checks, Optional.empty());
        }
        ObjectNode state = verified.payload().get();
        String format = state.path("format").asText("");
        checks.add(check("format", CvmState.FORMAT.equals(format), "format " + format));
        JsonNode cvm = state.path("cvm");
        String cvmId = cvm.path("id").asText("");
        expected.cvmId().ifPresent(id -> checks.add(check("cvm id", id.equals(cvmId), "expected " + id + ", got " + cvmId)));
        expected.nonce().ifPresent(n -> checks.add(check("freshness", n.equals(state.path("nonce").asText(null)),
                "expected nonce " + n + ", got " + state.path("nonce").asText("none"))));

        List<LogEntry> entries = new ArrayList<>();
        JsonNode rawEntries = state.path("entries");
        if (!rawEntries.isArray()) {
            checks.add(check("history", false, "entries is not an array"));
            return new StateVerdict(checks, Optional.empty());
        }
        for (int i = 0; i < rawEntries.size(); i++) {
            try {
                entries.add(EntryCodec.fromJson(rawEntries.get(i)));
            } catch (MalformedEntryException e) {
                checks.add(check("history", false, "entry at position " + i + " is malformed: " + e.getMessage()));
                return new StateVerdict(checks, Optional.empty());
            }
        }
        ChainVerdict chain = ChainVerifier.verifySubject(cvmId, entries);
        if (chain instanceof ChainVerdict.Broken broken) {
            checks.add(check("history", false, "chain broken at position " + broken.index() + ": " + broken.reason()));
            return new StateVerdict(checks, Optional.empty());
        }
        ChainVerdict.Intact intact = (ChainVerdict.Intact) chain;
        String claimedHead = state.path("cvm_log").path("head").asText("");
        long claimedSize = state.path("cvm_log").path("size").asLong(-1);
        checks.add(check("history", intact.head().hex().equals(claimedHead) && intact.size() == claimedSize,
                intact.size() + " entries chained to head " + intact.head() + " (state claims " + claimedSize + ", " + claimedHead + ")"));
        long logSize = state.path("log").path("size").asLong(-1);
        boolean withinLog = entries.stream().allMatch(e -> e.seq() < logSize);
        checks.add(check("log position", withinLog, "every entry lies within the log of size " + logSize));
        Optional<Checkpoint> checkpoint = checkpoint(state, controllerKey, logSize, checks);
        checkpoint.ifPresent(c -> checks.add(inclusionOfLast(entries, state.path("cvm_log").path("inclusion"), c)));

        List<JsonNode> payloads = new ArrayList<>(rawEntries.size());
        rawEntries.forEach(e -> payloads.add(e.get("payload")));
        Replay replay = Replay.of(entries, payloads);
        checks.add(check("lifecycle", replay.violation().isEmpty(), replay.violation().orElse("every transition is allowed")));
        String claimedMode = cvm.path("mode").asText("");
        checks.add(check("mode", replay.mode().map(CvmMode::wire).orElse("").equals(claimedMode),
                "history leads to " + replay.mode().map(CvmMode::wire).orElse("nothing") + ", state claims " + claimedMode));
        Optional<String> hostKey = cvm.hasNonNull("host_key") ? Optional.of(cvm.get("host_key").asText()) : Optional.empty();
        checks.add(check("host key", replay.hostKey().equals(hostKey),
                "state names " + hostKey.orElse("no host key") + ", adoption recorded " + replay.hostKey().orElse("none")));
        replay.hostKey().ifPresent(key -> checks.add(check("host key pin", replay.pin().equals(OpenSshFingerprint.of(key)),
                "adopted host key " + OpenSshFingerprint.of(key).orElse("(unreadable)") + ", pinned " + replay.pin().orElse("nothing"))));
        if (replay.attestationPayload().isPresent() && replay.hostKey().isPresent()) {
            checks.add(HostKeyEvidence.check(replay.attestationPayload().get(), replay.expectedMeasurement(), replay.hostKey().get(),
                    replay.attestedAt().orElseThrow()));
        }

        boolean allPassed = checks.stream().allMatch(StateVerdict.Check::passed);
        Optional<StateVerdict.Facts> facts = allPassed
                ? Optional.of(new StateVerdict.Facts(cvmId, cvm.path("name").asText(""), cvm.path("provider").asText(""),
                        replay.mode().orElseThrow(), hostKey.orElse(""), entries.size(), replay.commandsRun(), replay.inServiceSince(),
                        logSize, state.path("log").path("head").asText(""), replay.attestation()))
                : Optional.empty();
        return new StateVerdict(checks, facts);
    }

    /** The log checkpoint inside the state: signed by the controller, for the log size the state names. */
    private static Optional<Checkpoint> checkpoint(JsonNode state, Ed25519PublicKey controllerKey, long logSize, List<StateVerdict.Check> checks) {
        try {
            Checkpoint c = Checkpoint.open(state.path("log").path("checkpoint").asText(""), ControllerLog.verifierKey(controllerKey),
                    ControllerLog.origin(controllerKey));
            boolean sameSize = c.size() == logSize;
            checks.add(check("checkpoint", sameSize, "signed checkpoint of size " + c.size() + " (state names " + logSize + ")"));
            return sameSize ? Optional.of(c) : Optional.empty();
        } catch (MalformedNoteException | NoteRejectedException e) {
            checks.add(check("checkpoint", false, e.getMessage()));
            return Optional.empty();
        }
    }

    /**
     * The CVM's last entry is in the checkpointed tree (RFC 9162 inclusion proof). Its subject chain
     * commits to every earlier entry of the CVM, so this ties the whole history to the whole log.
     */
    private static StateVerdict.Check inclusionOfLast(List<LogEntry> entries, JsonNode rawPath, Checkpoint checkpoint) {
        if (entries.isEmpty()) {
            return check("inclusion", false, "no entries to prove");
        }
        Optional<List<Sha256Hash>> read = ProofJson.read(rawPath);
        if (read.isEmpty()) {
            return check("inclusion", false, "inclusion path is not a list of SHA-256 values");
        }
        List<Sha256Hash> path = read.get();
        LogEntry last = entries.get(entries.size() - 1);
        ProofVerdict verdict = ProofVerifier.verifyInclusion(last.seq(), checkpoint.size(), MerkleHashes.leaf(EntryCodec.encode(last)),
                path, checkpoint.root());
        return check("inclusion", verdict.holds(), verdict instanceof ProofVerdict.Invalid invalid
                ? "entry " + last.seq() + " is not in the checkpointed log: " + invalid.reason()
                : "entry " + last.seq() + " is in the checkpointed log of size " + checkpoint.size());
    }

    private static StateVerdict.Check check(String name, boolean passed, String detail) {
        return new StateVerdict.Check(name, passed, detail);
    }

    /** The lifecycle state machine of DESIGN §4, run over a CVM's entries. */
    private record Replay(Optional<CvmMode> mode, Optional<String> violation, Optional<String> pin, Optional<String> hostKey,
            long commandsRun, OptionalLong inServiceSince, Optional<JsonNode> attestationPayload, Optional<Instant> attestedAt,
            Optional<String> expectedMeasurement) {

        /** The accepted attestation as the facts describe it, read from its logged payload. */
        Optional<StateVerdict.HostKeyAttestation> attestation() {
            return attestationPayload.map(p -> new StateVerdict.HostKeyAttestation(p.path("evidence_source").asText("unknown"),
                    p.path("simulated").asBoolean(true), p.path("trust").asText("unknown")));
        }

        /** Runs over the decoded entries; {@code payloads} are their payload objects as received. */
        static Replay of(List<LogEntry> entries, List<JsonNode> payloads) {
            CvmMode mode = null;
            String pin = null;
            String hostKey = null;
            long commands = 0;
            OptionalLong inServiceSince = OptionalLong.empty();
            JsonNode attestationPayload = null;
            Instant attestedAt = null;
            String expectedMeasurement = null;
            for (int i = 0; i < entries.size(); i++) {
                LogEntry entry = entries.get(i);
                JsonNode payload = payloads.get(i);
                String kind = entry.kind();
                String problem = null;
                switch (kind) {
                    case EntryKinds.CVM_ADOPTION_STARTED -> {
                        if (mode != null) {
                            problem = "adoption started twice";
                        }
                        mode = CvmMode.PROVISIONING;
                        pin = payload.path("host_key_pin").asText(null);
                        expectedMeasurement = payload.hasNonNull("expected_measurement")
                                ? payload.get("expected_measurement").asText() : null;
                    }
                    case EntryKinds.CVM_ADOPTED -> {
                        if (mode != CvmMode.PROVISIONING) {
                            problem = "adopted while " + wire(mode);
                        }
                        mode = CvmMode.IN_UPDATE;
                        hostKey = payload.path("host_key").asText(null);
                    }
                    case EntryKinds.CVM_ATTESTATION -> {
                        if (mode != CvmMode.PROVISIONING) {
                            problem = "attestation while " + wire(mode);
                        } else if (payload.path("accepted").asBoolean(false)) {
                            // The attested key takes the place of an owner's pin for guests the controller created.
                            pin = payload.path("host_key_pin").asText(null);
                            attestationPayload = payload;
                            attestedAt = entry.time();
                        }
                    }
                    case EntryKinds.CVM_FAILED -> mode = CvmMode.FAILED;
                    case EntryKinds.MODE_CHANGED -> {
                        Optional<CvmMode> to = CvmMode.parse(payload.path("to").asText(""));
                        if (mode == null || !mode.isOperational() || to.isEmpty() || !to.get().isOperational()) {
                            problem = "mode change to " + payload.path("to").asText("?") + " while " + wire(mode);
                        } else {
                            mode = to.get();
                            inServiceSince = mode == CvmMode.IN_SERVICE ? OptionalLong.of(entry.seq()) : OptionalLong.empty();
                        }
                    }
                    case EntryKinds.COMMAND_STARTED -> {
                        commands++;
                        if (mode != CvmMode.IN_UPDATE) {
                            problem = "command started while " + wire(mode);
                        }
                    }
                    case EntryKinds.CVM_STOPPED -> mode = CvmMode.STOPPED;
                    case EntryKinds.COMMAND_COMPLETED, EntryKinds.COMMAND_FAILED, EntryKinds.REQUEST_REFUSED -> {
                        if (mode == null) {
                            problem = kind + " before the CVM existed";
                        }
                    }
                    default -> problem = "unknown entry kind " + kind;
                }
                if (problem != null) {
                    return new Replay(Optional.ofNullable(mode), Optional.of("entry " + entry.seq() + ": " + problem),
                            Optional.ofNullable(pin), Optional.ofNullable(hostKey), commands, inServiceSince,
                            Optional.ofNullable(attestationPayload), Optional.ofNullable(attestedAt), Optional.ofNullable(expectedMeasurement));
                }
            }
            return new Replay(Optional.ofNullable(mode), Optional.empty(), Optional.ofNullable(pin), Optional.ofNullable(hostKey),
                    commands, inServiceSince, Optional.ofNullable(attestationPayload), Optional.ofNullable(attestedAt), Optional.ofNullable(expectedMeasurement));
        }

        private static String wire(CvmMode mode) {
            return mode == null ? "not yet created" : mode.wire();
        }
    }
}
