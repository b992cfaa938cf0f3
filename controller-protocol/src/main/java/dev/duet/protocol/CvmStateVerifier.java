package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies a signed CVM state document offline (guarantees 2, 4 and 5 of DESIGN §3): the controller's
 * signature, the CVM's complete hash-chained history, and that the claimed mode is the one its
 * history leads to, with no command started outside {@code in-update}. Pure: JSON in, verdict out.
 */
public final class CvmStateVerifier {
    /** What every state payload holds. */
    private static final DocumentShape STATE = DocumentShape.of("format", "issued_at", "nonce", "controller.key_id", "controller.tee",
            "controller.simulated?", "cvm.id", "cvm.name", "cvm.provider", "cvm.mode", "cvm.address", "cvm.host_key_pin", "cvm.host_key",
            "cvm.controller_ssh_key", "cvm.reason", "cvm.attestation.source", "cvm.attestation.simulated?", "log.size#", "log.head",
            "log.checkpoint", "cvm_log.size#", "cvm_log.head", "cvm_log.inclusion[]");
    /** A {@code duet.cvm-state/v1} payload: the CVM with its whole history inside. */
    private static final DocumentShape WITH_HISTORY = STATE.with("entries[]");
    /** A {@code duet.cvm-state/v2} payload: the summary, with what the history leads to. */
    public static final DocumentShape SUMMARY = STATE.with("cvm.mode_since.seq#", "cvm.mode_since.time",
            "cvm.host_key_attestation.evidence_source", "cvm.host_key_attestation.simulated?", "cvm.host_key_attestation.trust",
            "cvm.policy.version#", "cvm.policy.sha256", "cvm.policy.seq", "cvm.commands_in_service#");

    private CvmStateVerifier() {}

    /** The shape of a state of {@code format}; none for another format, which the format check refuses. */
    private static Optional<DocumentShape> shape(String format) {
        return format.equals(CvmState.FORMAT) ? Optional.of(WITH_HISTORY) : format.equals(CvmState.FORMAT_V2) ? Optional.of(SUMMARY)
                : Optional.empty();
    }

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
        if (tree.isObject() && CvmState.SAVED_FORMAT.equals(tree.path("format").asText(null))) {
            return saved(tree, controllerKey, expected);
        }
        return verify(tree, controllerKey, expected);
    }

    /**
     * A saved state ({@code duet.saved-state/v1}): exactly its format, the signed summary and the
     * CVM's history beside it. The wrapper is not signed; what it holds is verified as if paged
     * from the controller, so a wrapper that lies fails the history's checks.
     */
    private static StateVerdict saved(JsonNode tree, Ed25519PublicKey controllerKey, Expectations expected) {
        List<String> names = new ArrayList<>();
        tree.fieldNames().forEachRemaining(names::add);
        Optional<String> extra = names.stream().filter(n -> !Set.of("format", "state", "entries").contains(n)).findFirst();
        if (extra.isPresent() || !tree.path("entries").isArray()) {
            return new StateVerdict(List.of(Check.fail("document", "not a saved state: " + extra.map(n -> "unexpected member '" + n
                    + "' beside the signed state: nobody signed it").orElse("its entries are not a list") + " (a saved state holds "
                    + "exactly format, state and entries)")), Optional.empty());
        }
        String inner = tree.path("state").path("payload").path("format").asText("");
        if (!inner.equals(CvmState.FORMAT_V2)) {
            // A v1 state carries its own history: entries beside it would be read by nobody.
            return new StateVerdict(List.of(Check.fail("document", "not a saved state: it holds " + (inner.isEmpty() ? "no state"
                    : "a " + inner + " state") + ", not a " + CvmState.FORMAT_V2 + " summary")), Optional.empty());
        }
        List<JsonNode> history = new ArrayList<>();
        tree.get("entries").forEach(history::add);
        return verify(tree.get("state"), history, controllerKey, expected);
    }

    /**
     * Verifies a state already read with {@link StrictJson} (an answer of the controller). A
     * {@code duet.cvm-state/v1} state carries its history; a {@code v2} state is a summary without
     * it, so its history check fails, saying where the history is ({@link #verify(JsonNode, List,
     * Ed25519PublicKey, Expectations)}, or a bundle).
     */
    public static StateVerdict verify(JsonNode document, Ed25519PublicKey controllerKey, Expectations expected) {
        return verify(document, Optional.empty(), controllerKey, expected);
    }

    /**
     * Verifies a {@code duet.cvm-state/v2} summary with the CVM's history as its entries route pages
     * it ({@code history}: every entry of the CVM, in order, as received): everything a v1 state's
     * verification checks, and that the summary's mode-since and attestation are where the history leads.
     */
    public static StateVerdict verify(JsonNode document, List<JsonNode> history, Ed25519PublicKey controllerKey, Expectations expected) {
        return verify(document, Optional.of(history), controllerKey, expected);
    }

    private static StateVerdict verify(JsonNode document, Optional<List<JsonNode>> history, Ed25519PublicKey controllerKey,
            Expectations expected) {
        Optional<String> malformed = SignedDocument.malformed(document).or(() -> shape(document.get("payload").path("format").asText(""))
                .flatMap(shape -> shape.unknownMember(document.get("payload"))));
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
        boolean summary = CvmState.FORMAT_V2.equals(format);
        checks.add(summary ? Check.pass("format", CvmState.FORMAT_V2, format, "a CVM state (summary)")
                : compare("format", CvmState.FORMAT, format, "a CVM state", "not a CVM state"));
        JsonNode cvm = state.path("cvm");
        String cvmId = cvm.path("id").asText("");
        expected.cvmId().ifPresent(asked -> checks.add(asked(asked, cvmId, cvm.path("name").asText(""))));
        Optional<String> nonce = Optional.ofNullable(state.path("nonce").asText(null));
        expected.nonce().ifPresent(n -> checks.add(Check.of(nonce.equals(Optional.of(n)), "freshness", "nonce " + n,
                nonce.map(m -> "nonce " + m).orElse("no nonce"), nonce.equals(Optional.of(n)) ? "answers this request"
                        : "answers another request: stale or replayed")));

        JsonNode rawEntries;
        if (summary) {
            if (history.isEmpty()) {
                long logSize = state.path("log").path("size").asLong(-1);
                checkpoint(state, controllerKey, logSize, checks);
                checks.add(Check.fail("history", "a " + CvmState.FORMAT_V2 + " state is a summary without the CVM's history: verify it "
                        + "online (duet verify-state CVM pages the history) or verify a bundle (duet bundle)"));
                return new StateVerdict(checks, Optional.empty());
            }
            ArrayNode given = SignedDocument.MAPPER.createArrayNode();
            history.get().forEach(given::add);
            rawEntries = given;
        } else {
            rawEntries = state.path("entries");
        }
        List<LogEntry> entries = new ArrayList<>();
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
        CvmHistory.Replay replay = CvmHistory.replay(entries, payloads);
        checks.add(replay.violation().map(v -> Check.fail("lifecycle", v)).orElse(Check.pass("lifecycle", "every transition is allowed")));
        String claimedMode = cvm.path("mode").asText("");
        boolean modeMatches = replay.mode().map(CvmMode::wire).orElse("").equals(claimedMode);
        checks.add(Check.of(modeMatches, "mode", replay.mode().map(CvmMode::wire).orElse("no mode"), claimedMode,
                modeMatches ? "the mode the history leads to" : "the state claims a mode its history does not lead to"));
        if (summary) {
            checks.addAll(summaryChecks(cvm, replay));
            checks.addAll(policyChecks(cvm, replay));
        }
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
            checks.addAll(reAttestations(entries, payloads, 0, replay));
        }

        boolean allPassed = checks.stream().allMatch(Check::passed);
        Optional<StateVerdict.Facts> facts = allPassed
                ? Optional.of(new StateVerdict.Facts(cvmId, cvm.path("name").asText(""), cvm.path("provider").asText(""),
                        replay.mode().orElseThrow(), hostKey.orElse(""), entries.size(), replay.commandsRun(), replay.inServiceSince(),
                        logSize, state.path("log").path("head").asText(""), checkpoint.orElseThrow(), replay.attestationFacts(),
                        replay.policy(), replay.inServiceCommands()))
                : Optional.empty();
        return new StateVerdict(checks, facts);
    }

    /**
     * What a summary says of the history beyond its mode, against where the history leads: the
     * entry that set the mode, and the attestation that bound the host key (or none).
     */
    public static List<Check> summaryChecks(JsonNode cvm, CvmHistory.Replay replay) {
        String leads = replay.modeSince().map(m -> "entry " + m.seq() + " at " + m.at()).orElse("none");
        JsonNode since = cvm.path("mode_since");
        String claimed = since.path("seq").canConvertToExactIntegral() && since.path("time").isTextual()
                ? "entry " + since.path("seq").asLong() + " at " + since.path("time").asText() : "none";
        boolean sinceMatches = leads.equals(claimed);
        String attested = replay.attestationFacts().map(CvmStateVerifier::describe).orElse("none");
        JsonNode a = cvm.path("host_key_attestation");
        String claimedAttestation = a.isObject() ? describe(new StateVerdict.HostKeyAttestation(a.path("evidence_source").asText(""),
                a.path("simulated").asBoolean(false), a.path("trust").asText(""))) : "none";
        boolean attestationMatches = attested.equals(claimedAttestation);
        return List.of(Check.of(sinceMatches, "mode since", leads, claimed, sinceMatches ? "the entry that set the mode"
                        : "the state names another entry than the one that set the mode"),
                Check.of(attestationMatches, "attestation", attested, claimedAttestation, attestationMatches
                        ? "the attestation the history records" : "the state claims another attestation than the history records"));
    }

    /**
     * What a state says of the policy in force and of the commands run in-service (issue 12), against
     * the history: a state that names another policy, or another count, than its history leads to
     * fails. A state that names neither passes only where nothing is hidden by it: a history that
     * never set a policy (the built-in default, under which nothing runs in-service) and ran nothing
     * in-service, as states written before policies. A history given from a later entry on whose
     * policy in force it does not carry cannot judge the policy claimed, and says so.
     */
    public static List<Check> policyChecks(JsonNode cvm, CvmHistory.Replay replay) {
        JsonNode p = cvm.path("policy");
        String claimed = p.isObject() ? describe(p.path("version").asText("?"), p.path("sha256").asText("?"),
                p.path("seq").isIntegralNumber() ? p.path("seq").asText() : "none") : "none";
        CvmHistory.Policy leads = replay.policy();
        String expected = describe(String.valueOf(leads.version()), leads.sha256(),
                leads.seq().isPresent() ? String.valueOf(leads.seq().getAsLong()) : "none");
        boolean matches = expected.equals(claimed) || claimed.equals("none") && leads.equals(CvmHistory.Policy.BUILT_IN);
        Check policy = Check.of(matches, "policy", expected, claimed, matches ? "the policy in force the history sets"
                : "the state names another policy in force than its history sets");
        JsonNode count = cvm.path("commands_in_service");
        String claimedCount = count.isIntegralNumber() ? count.asText() : "none";
        String leadsCount = String.valueOf(replay.inServiceCommands());
        boolean countMatches = leadsCount.equals(claimedCount) || claimedCount.equals("none") && replay.inServiceCommands() == 0;
        return List.of(policy, Check.of(countMatches, "commands in service", leadsCount, claimedCount, countMatches
                ? "the commands the policy allowed in-service since the last switch there"
                : "the state names another number of commands run in-service than its history holds"));
    }

    private static String describe(String version, String sha256, String seq) {
        return "version " + version + " sha256 " + sha256 + " set by entry " + seq;
    }

    private static String describe(StateVerdict.HostKeyAttestation a) {
        return a.evidenceSource() + (a.simulated() ? " (SIMULATED)" : "") + ", " + a.trust();
    }

    /**
     * Each fresh report logged with a switch to in-service (DESIGN §4), checked against the head
     * just before its switch and the adopted host key. A switch without one (an older controller,
     * or an adopted machine that has no TEE interface, which the entry says) adds no check.
     * {@code entries} are the CVM's own, consecutive, the first at {@code firstPosition} of its chain.
     */
    public static List<Check> reAttestations(List<LogEntry> entries, List<JsonNode> payloads, long firstPosition, CvmHistory.Replay replay) {
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
                        : HostKeyEvidence.reAttestation(entries.get(i), firstPosition + i, fresh, replay.expectedMeasurement(),
                                replay.attestation().flatMap(Payload.Attestation::vmId), replay.hostKey().get()));
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
        return included("inclusion", entries.get(entries.size() - 1), read.get(), checkpoint);
    }

    /** The check {@code id} that {@code entry} is in the checkpointed tree by the RFC 9162 inclusion proof {@code path}. */
    public static Check included(String id, LogEntry entry, List<Sha256Hash> path, Checkpoint checkpoint) {
        ProofVerdict verdict = ProofVerifier.verifyInclusion(entry.seq(), checkpoint.size(), MerkleHashes.leaf(EntryCodec.encode(entry)),
                path, checkpoint.root());
        return verdict instanceof ProofVerdict.Invalid invalid
                ? Check.fail(id, "entry " + entry.seq() + " is not in the checkpointed log: " + invalid.reason())
                : Check.pass(id, "entry " + entry.seq() + " is in the checkpointed log of size " + checkpoint.size());
    }

    /**
     * The CVM asked about, by its id or by its name (the controller resolves a name among the CVMs it
     * lists, where names are unique): the signed state must name that CVM. A name never has the id's
     * form, so an id asked about is matched against the id alone.
     */
    private static Check asked(String asked, String id, String name) {
        if (asked.equals(id) || !asked.equals(name) || CvmState.ID.matcher(asked).matches()) {
            return compare("cvm id", asked, id, "the CVM asked about", "a state of another CVM");
        }
        return Check.pass("cvm id", asked, id + " (" + name + ")", "the CVM asked about, by name");
    }

    /** A check that the state holds what its verified part implies: passed when {@code actual} is {@code expected}. */
    private static Check compare(String id, String expected, String actual, String whenEqual, String otherwise) {
        boolean equal = expected.equals(actual);
        return Check.of(equal, id, expected, actual, equal ? whenEqual : otherwise);
    }
}
