package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.Octets;
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
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
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
            return new StateVerdict(List.of(Check.fail("document", "not a state the controller signed: " + e.getMessage())),
                    Optional.empty());
        }
        return verify(tree, controllerKey, expected);
    }

    /** Verifies a state already read with {@link StrictJson} (an answer of the controller). */
    public static StateVerdict verify(JsonNode document, Ed25519PublicKey controllerKey, Expectations expected) {
        Optional<String> malformed = SignedDocument.malformed(document);
        if (malformed.isPresent()) {
            return new StateVerdict(List.of(Check.fail("document", "not a state the controller signed: " + malformed.get())),
                    Optional.empty());
        }
        List<Check> checks = new ArrayList<>();
        SignedDocument.Verified verified = SignedDocument.verify(document, controllerKey);
        // A signature failure is told uniformly (SignedDocument names a wrong key id in its reason), never as two values to compare.
        checks.add(verified.payload().isPresent() ? Check.pass("signature", "signed by controller key " + controllerKey.keyId())
                : Check.fail("signature", verified.failure()));
        if (verified.payload().isEmpty()) {
            return new StateVerdict(checks, Optional.empty());
        }
        ObjectNode state = verified.payload().get();
        String format = state.path("format").asText("");
        checks.add(compare("format", CvmState.FORMAT, format, "a CVM state", "not a CVM state"));
        JsonNode cvm = state.path("cvm");
        String cvmId = cvm.path("id").asText("");
        expected.cvmId().ifPresent(id -> checks.add(compare("cvm id", id, cvmId, "the CVM asked about", "a state of another CVM")));
        Optional<String> nonce = Optional.ofNullable(state.path("nonce").asText(null));
        expected.nonce().ifPresent(n -> checks.add(Check.of(nonce.equals(Optional.of(n)), "freshness", "nonce " + n,
                nonce.map(m -> "nonce " + m).orElse("no nonce"), nonce.equals(Optional.of(n)) ? "answers this request"
                        : "answers another request: stale or replayed")));

        List<LogEntry> entries = new ArrayList<>();
        JsonNode rawEntries = state.path("entries");
        if (!rawEntries.isArray()) {
            checks.add(Check.fail("history", "entries is not an array"));
            return new StateVerdict(checks, Optional.empty());
        }
        for (int i = 0; i < rawEntries.size(); i++) {
            try {
                entries.add(EntryCodec.fromJson(rawEntries.get(i)));
            } catch (MalformedEntryException e) {
                checks.add(Check.fail("history", "entry at position " + i + " is malformed: " + e.getMessage()));
                return new StateVerdict(checks, Optional.empty());
            }
        }
        ChainVerdict chain = ChainVerifier.verifySubject(cvmId, entries);
        if (chain instanceof ChainVerdict.Broken broken) {
            checks.add(Check.fail("history", "chain broken at position " + broken.index() + ": " + broken.reason()));
            return new StateVerdict(checks, Optional.empty());
        }
        ChainVerdict.Intact intact = (ChainVerdict.Intact) chain;
        String claimedHead = state.path("cvm_log").path("head").asText("");
        long claimedSize = state.path("cvm_log").path("size").asLong(-1);
        checks.add(compare("history", intact.size() + " entries to head " + intact.head().hex(), claimedSize + " entries to head " + claimedHead,
                "the CVM's entries form one chain from its first entry to the head the state claims",
                "the state claims another head or size than its entries chain to"));
        long logSize = state.path("log").path("size").asLong(-1);
        Optional<LogEntry> beyond = entries.stream().filter(e -> e.seq() >= logSize).findFirst();
        String highest = entries.stream().mapToLong(LogEntry::seq).max().stream().mapToObj(seq -> "highest seq " + seq).findFirst()
                .orElse("no entries");
        checks.add(Check.of(beyond.isEmpty(), "log position", "every seq below " + logSize, beyond.map(e -> "seq " + e.seq()).orElse(highest),
                beyond.isEmpty() ? "every entry lies within the log the state names" : "an entry lies beyond the log the state names"));
        Optional<Checkpoint> checkpoint = checkpoint(state, controllerKey, logSize, checks);
        checkpoint.ifPresent(c -> checks.add(inclusionOfLast(entries, state.path("cvm_log").path("inclusion"), c)));

        List<JsonNode> payloads = new ArrayList<>(rawEntries.size());
        rawEntries.forEach(e -> payloads.add(e.get("payload")));
        Replay replay = Replay.of(entries, payloads);
        checks.add(replay.violation().map(v -> Check.fail("lifecycle", v)).orElse(Check.pass("lifecycle", "every transition is allowed")));
        String claimedMode = cvm.path("mode").asText("");
        boolean modeMatches = replay.mode().map(CvmMode::wire).orElse("").equals(claimedMode);
        checks.add(Check.of(modeMatches, "mode", replay.mode().map(CvmMode::wire).orElse("no mode"), claimedMode,
                modeMatches ? "the mode the history leads to" : "the state claims a mode its history does not lead to"));
        Optional<String> hostKey = cvm.hasNonNull("host_key") ? Optional.of(cvm.get("host_key").asText()) : Optional.empty();
        boolean keyMatches = replay.hostKey().equals(hostKey);
        checks.add(Check.of(keyMatches, "host key", replay.hostKey().orElse("none recorded"), hostKey.orElse("none"),
                keyMatches ? "the host key adoption recorded" : "the state names another host key than adoption recorded"));
        replay.hostKey().ifPresent(key -> {
            boolean pinned = replay.pin().equals(OpenSshFingerprint.of(key));
            checks.add(Check.of(pinned, "host key pin", replay.pin().orElse("nothing pinned"), OpenSshFingerprint.of(key).orElse("an unreadable key"),
                    pinned ? "the adopted host key is the one pinned" : "the adopted host key is not the one pinned"));
        });
        if (replay.attestation().isPresent() && replay.hostKey().isPresent()) {
            checks.add(HostKeyEvidence.check(replay.attestation().get(), replay.expectedMeasurement(), replay.hostKey().get(),
                    replay.attestedAt().orElseThrow()));
        }
        if (replay.violation().isEmpty()) {
            checks.addAll(reAttestations(entries, payloads, replay));
        }

        boolean allPassed = checks.stream().allMatch(Check::passed);
        Optional<StateVerdict.Facts> facts = allPassed
                ? Optional.of(new StateVerdict.Facts(cvmId, cvm.path("name").asText(""), cvm.path("provider").asText(""),
                        replay.mode().orElseThrow(), hostKey.orElse(""), entries.size(), replay.commandsRun(), replay.inServiceSince(),
                        logSize, state.path("log").path("head").asText(""), checkpoint.orElseThrow(), replay.attestationFacts()))
                : Optional.empty();
        return new StateVerdict(checks, facts);
    }

    /**
     * Each fresh report logged with a switch to in-service (DESIGN §4), checked against the head
     * just before its switch and the adopted host key. A switch without one (an older controller,
     * or an adopted machine that has no TEE interface, which the entry says) adds no check.
     */
    private static List<Check> reAttestations(List<LogEntry> entries, List<JsonNode> payloads, Replay replay) {
        List<Check> checks = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Payload payload;
            try {
                payload = PayloadCodec.decode(entries.get(i).kind(), payloads.get(i));
            } catch (MalformedPayloadException e) {
                throw new IllegalStateException("the replay decoded this entry", e);
            }
            if (payload instanceof Payload.ModeChanged change
                    && change.reAttestation().orElse(null) instanceof Payload.ReAttestation.Fresh fresh) {
                checks.add(replay.hostKey().isEmpty()
                        ? Check.fail(HostKeyEvidence.RE_ATTESTATION_ID, "entry " + entries.get(i).seq() + ": re-attested without an adopted host key")
                        : HostKeyEvidence.reAttestation(entries.get(i), i, fresh, replay.expectedMeasurement(), replay.hostKey().get()));
            }
        }
        return checks;
    }

    /** The log checkpoint inside the state: signed by the controller, for the log size the state names. */
    private static Optional<Checkpoint> checkpoint(JsonNode state, Ed25519PublicKey controllerKey, long logSize, List<Check> checks) {
        try {
            Checkpoint c = Checkpoint.open(state.path("log").path("checkpoint").asText(""), ControllerLog.verifierKey(controllerKey),
                    ControllerLog.origin(controllerKey));
            boolean sameSize = c.size() == logSize;
            checks.add(Check.of(sameSize, "checkpoint", "size " + logSize, "size " + c.size(), sameSize
                    ? "signed by the controller for the log the state names" : "signed by the controller for another size of log than the state names"));
            return sameSize ? Optional.of(c) : Optional.empty();
        } catch (MalformedNoteException | NoteRejectedException e) {
            checks.add(Check.fail("checkpoint", e.getMessage()));
            return Optional.empty();
        }
    }

    /**
     * The CVM's last entry is in the checkpointed tree (RFC 9162 inclusion proof). Its subject chain
     * commits to every earlier entry of the CVM, so this ties the whole history to the whole log.
     */
    private static Check inclusionOfLast(List<LogEntry> entries, JsonNode rawPath, Checkpoint checkpoint) {
        if (entries.isEmpty()) {
            return Check.fail("inclusion", "no entries to prove");
        }
        Optional<List<Sha256Hash>> read = ProofJson.read(rawPath);
        if (read.isEmpty()) {
            return Check.fail("inclusion", "inclusion path is not a list of SHA-256 values");
        }
        List<Sha256Hash> path = read.get();
        LogEntry last = entries.get(entries.size() - 1);
        ProofVerdict verdict = ProofVerifier.verifyInclusion(last.seq(), checkpoint.size(), MerkleHashes.leaf(EntryCodec.encode(last)),
                path, checkpoint.root());
        return verdict instanceof ProofVerdict.Invalid invalid
                ? Check.fail("inclusion", "entry " + last.seq() + " is not in the checkpointed log: " + invalid.reason())
                : Check.pass("inclusion", "entry " + last.seq() + " is in the checkpointed log of size " + checkpoint.size());
    }

    /** A check that the state holds what its verified part implies: passed when {@code actual} is {@code expected}. */
    private static Check compare(String id, String expected, String actual, String whenEqual, String otherwise) {
        boolean equal = expected.equals(actual);
        return Check.of(equal, id, expected, actual, equal ? whenEqual : otherwise);
    }

    /**
     * A CVM's entries run through the {@link Lifecycle} of DESIGN §4, each payload read as its kind
     * says ({@link PayloadCodec}); the first entry that does not decode, or that the lifecycle
     * refuses, is the violation, and the replay stops there.
     */
    private record Replay(Optional<CvmMode> mode, Optional<String> violation, Optional<String> pin, Optional<String> hostKey,
            long commandsRun, OptionalLong inServiceSince, Optional<Payload.Attestation> attestation, Optional<Instant> attestedAt,
            Optional<Octets> expectedMeasurement) {

        /** The accepted attestation as the facts describe it. */
        Optional<StateVerdict.HostKeyAttestation> attestationFacts() {
            return attestation.map(a -> new StateVerdict.HostKeyAttestation(a.evidenceSource(), a.simulated(), a.trust()));
        }

        /** Runs over the decoded entries; {@code payloads} are their payload objects as received. */
        static Replay of(List<LogEntry> entries, List<JsonNode> payloads) {
            Replay replay = new Replay(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, OptionalLong.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty());
            for (int i = 0; i < entries.size(); i++) {
                LogEntry entry = entries.get(i);
                Payload payload;
                try {
                    payload = PayloadCodec.decode(entry.kind(), payloads.get(i));
                } catch (MalformedPayloadException e) {
                    return replay.violated(entry, "not an entry the controller writes: " + e.getMessage());
                }
                Optional<Lifecycle.Event> event = event(payload);
                if (event.isEmpty()) {
                    return replay.violated(entry, payload.kind().wire() + " is never on a CVM's history");
                }
                if (event.get() instanceof Lifecycle.Event.CommandStarted) {
                    replay = replay.withCommands(replay.commandsRun + 1);
                }
                Lifecycle.Outcome outcome = Lifecycle.next(replay.mode, event.get());
                if (outcome instanceof Lifecycle.Outcome.Refused refused) {
                    return replay.violated(entry, refused.reason());
                }
                replay = replay.after(entry, payload, ((Lifecycle.Outcome.Next) outcome).mode());
            }
            return replay;
        }

        /** The lifecycle event an entry records; none for the log-wide kinds. */
        private static Optional<Lifecycle.Event> event(Payload payload) {
            if (payload instanceof Payload.AdoptionStarted) {
                return Optional.of(new Lifecycle.Event.Created());
            } else if (payload instanceof Payload.Attestation) {
                return Optional.of(new Lifecycle.Event.Attested());
            } else if (payload instanceof Payload.Adopted) {
                return Optional.of(new Lifecycle.Event.Adopted());
            } else if (payload instanceof Payload.Failed) {
                return Optional.of(new Lifecycle.Event.Failed());
            } else if (payload instanceof Payload.ModeChanged change) {
                return Optional.of(new Lifecycle.Event.ModeChanged(change.from(), change.to()));
            } else if (payload instanceof Payload.CommandStarted) {
                return Optional.of(new Lifecycle.Event.CommandStarted());
            } else if (payload instanceof Payload.CommandCompleted || payload instanceof Payload.CommandFailed) {
                return Optional.of(new Lifecycle.Event.CommandEnded());
            } else if (payload instanceof Payload.RequestRefused) {
                return Optional.of(new Lifecycle.Event.RequestRefused());
            } else if (payload instanceof Payload.Stopped stopped) {
                return Optional.of(new Lifecycle.Event.Stopped(stopped.from()));
            }
            return Optional.empty();
        }

        /** The replay after an allowed entry: the new mode and what the entry establishes. */
        private Replay after(LogEntry entry, Payload payload, CvmMode next) {
            Optional<String> newPin = pin;
            Optional<String> newHostKey = hostKey;
            OptionalLong newInServiceSince = inServiceSince;
            Optional<Payload.Attestation> newAttestation = attestation;
            Optional<Instant> newAttestedAt = attestedAt;
            Optional<Octets> newMeasurement = expectedMeasurement;
            if (payload instanceof Payload.SshAdoptionStarted ssh) {
                newPin = Optional.of(ssh.hostKeyPin());
            } else if (payload instanceof Payload.QemuLaunchStarted qemu) {
                newMeasurement = qemu.expectedMeasurement();
            } else if (payload instanceof Payload.Adopted adopted) {
                newHostKey = Optional.of(adopted.hostKey());
            } else if (payload instanceof Payload.Attestation attested && attested.accepted()) {
                // The attested key takes the place of an owner's pin for guests the controller created.
                newPin = Optional.of(attested.hostKeyPin());
                newAttestation = Optional.of(attested);
                newAttestedAt = Optional.of(entry.time());
            } else if (payload instanceof Payload.ModeChanged) {
                newInServiceSince = next == CvmMode.IN_SERVICE ? OptionalLong.of(entry.seq()) : OptionalLong.empty();
            }
            return new Replay(Optional.of(next), violation, newPin, newHostKey, commandsRun, newInServiceSince, newAttestation,
                    newAttestedAt, newMeasurement);
        }

        private Replay withCommands(long commands) {
            return new Replay(mode, violation, pin, hostKey, commands, inServiceSince, attestation, attestedAt, expectedMeasurement);
        }

        private Replay violated(LogEntry entry, String problem) {
            return new Replay(mode, Optional.of("entry " + entry.seq() + ": " + problem), pin, hostKey, commandsRun, inServiceSince,
                    attestation, attestedAt, expectedMeasurement);
        }
    }
}
