package dev.duet.protocol.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.Verdict;
import dev.duet.log.ChainVerdict;
import dev.duet.log.ChainVerifier;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmHistory;
import dev.duet.protocol.OwnerGovernance;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.CvmStateVerifier;
import dev.duet.protocol.DocumentShape;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.HostKeyEvidence;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.OpenSshFingerprint;
import dev.duet.protocol.ProofJson;
import dev.duet.protocol.SignedDocument;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Verifies a CVM's bundle ({@code duet.bundle/v1}, docs/api.md) offline: every check graded by the
 * guarantee of DESIGN §3 it is evidence for. The controller's evidence through {@link EvidenceVerifier}
 * under the user's trust (1); the bundle, the summary inside it and the checkpoint signed by the key
 * that evidence names (2); the CVM's launch evidence from its history, appraised with the user's
 * roots and policy, and its binding of the host key (3); a complete history: subject chains, entry
 * 0 and the CVM's last entry proved in the checkpoint, and with {@code since} the consistency proof
 * from the checkpoint the user trusts (4); the mode where the history leads, and the entry that set
 * it, as the summary says (5); the nonce asked for, in the bundle, its summary and its evidence, and a
 * fresh CVM report bound to it, to the adopted host key and to the head of the verified history (6).
 *
 * <p>It checks integrity and reports facts; whether they are acceptable (kinds, measurements, mode,
 * commands, age) is a deployment policy's question. An adopted CVM has no launch evidence: its
 * {@code launch} is empty and guarantee 3 carries only the host-key checks. Pure: bytes and the
 * user's trust in, a verdict out; malformed input is a failed check, never an exception.
 */
public final class BundleVerifier {
    /** The bundle's payload; its evidence and summary have their own shapes, its entries and fresh report their own readers. */
    private static final DocumentShape SHAPE = DocumentShape.of("format", "issued_at", "nonce", "controller_key.alg", "controller_key.key_id",
            "controller_key.public_key", "evidence{}", "state{}", "log.size#", "log.head", "log.checkpoint", "owners.entry{}",
            "owners.inclusion[]", "owners.changes[]", "cvm.custody[]", "cvm.custody_inclusion[]", "cvm.since#", "cvm.anchor.entry{}",
            "cvm.anchor.inclusion[]", "cvm.policy.entry{}", "cvm.policy.inclusion[]", "cvm.entries[]", "consistency.from#", "consistency.to#",
            "consistency.proof[]", "cvm_evidence.fresh{}", "cvm_evidence.fresh_unavailable");
    /** An entry with its inclusion proof: an owner change. */
    static final DocumentShape PROVED_ENTRY = DocumentShape.of("entry{}", "inclusion[]");

    private BundleVerifier() {}

    public static BundleVerdict verify(byte[] bundle, BundleTrust trust) {
        GradedChecks checks = new GradedChecks();
        JsonNode document;
        try {
            document = StrictJson.read(bundle);
        } catch (MalformedJsonException e) {
            return checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "bundle.document", "not a bundle the controller signed: " + e.getMessage())
                    .verdict();
        }
        Optional<String> malformed = SignedDocument.malformed(document).or(() -> unknownMember(document.get("payload")));
        if (malformed.isPresent()) {
            return checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "bundle.document", "not a bundle the controller signed: " + malformed.get())
                    .verdict();
        }
        JsonNode payload = document.get("payload");
        String format = payload.path("format").asText("missing");
        if (!CvmState.BUNDLE_FORMAT.equals(format)) {
            return checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "bundle.format", "not a bundle (format " + format + ")").verdict();
        }
        return new Verification(payload, document, trust, checks).run();
    }

    /** A member the bundle's shape does not have, or a {@code cvm_evidence} that is not one of its two forms. */
    private static Optional<String> unknownMember(JsonNode payload) {
        return SHAPE.unknownMember(payload).or(() -> cvmEvidence(payload.path("cvm_evidence")));
    }

    /** {@code cvm_evidence}: a fresh report in its own strict form, or the reason there is none, never both. */
    private static Optional<String> cvmEvidence(JsonNode evidence) {
        if (evidence.isMissingNode()) {
            return Optional.empty();
        }
        if (evidence.has("fresh") == evidence.has("fresh_unavailable")) {
            return Optional.of("member 'cvm_evidence' holds neither or both of 'fresh' and 'fresh_unavailable'");
        }
        if (evidence.has("fresh_unavailable")) {
            return evidence.get("fresh_unavailable").isTextual() ? Optional.empty()
                    : Optional.of("member 'cvm_evidence.fresh_unavailable' is not a string");
        }
        try {
            FreshCvmEvidence.fromJson(evidence.get("fresh"));
            return Optional.empty();
        } catch (MalformedJsonException e) {
            return Optional.of("member 'cvm_evidence.fresh': " + e.getMessage());
        }
    }

    /** Whether {@code entry} is in the log {@code checkpoint} signs, by the audit path as the bundle gives it. */
    static Check inclusion(String id, LogEntry entry, JsonNode rawPath, Checkpoint checkpoint) {
        Optional<List<Sha256Hash>> path = ProofJson.read(rawPath);
        return path.isEmpty() ? Check.fail(id, "the inclusion path is not a list of SHA-256 values")
                : CvmStateVerifier.included(id, entry, path.get(), checkpoint);
    }

    /** One bundle's verification, its parts read as the checks reach them. */
    private static final class Verification {
        private final JsonNode payload;
        private final JsonNode document;
        private final BundleTrust trust;
        private final GradedChecks checks;
        private Optional<OwnerGovernance> governance = Optional.empty();

        Verification(JsonNode payload, JsonNode document, BundleTrust trust, GradedChecks checks) {
            this.payload = payload;
            this.document = document;
            this.trust = trust;
            this.checks = checks;
        }

        BundleVerdict run() {
            // Guarantee 1: the evidence, under the user's trust, names the key everything else must be signed by.
            EvidenceVerdict evidence = EvidenceVerifier.verify(payload.path("evidence"), trust.nonce(), trust.controller(), trust.at());
            for (Check check : evidence.checks()) {
                checks.add(check.id().equals("freshness") ? Guarantee.FRESH : Guarantee.CONTROLLER_GENUINE, prefixed("evidence.", check));
            }
            Optional<EvidenceVerdict.Facts> evidenced = evidence.facts();
            if (evidenced.isEmpty() && evidence.failures().stream().allMatch(c -> c.id().equals("freshness"))) {
                // A stale answer still names its key: the rest is checked, and the verdict fails under guarantee 6.
                evidenced = EvidenceVerifier.verify(payload.path("evidence"), Optional.empty(), trust.controller(), trust.at()).facts();
            }
            if (evidenced.isEmpty()) {
                return checks.verdict();
            }
            EvidenceVerdict.Facts controller = evidenced.get();
            controller.attestation().checks().forEach(c -> checks.add(Guarantee.CONTROLLER_GENUINE, c));
            checks.add(Guarantee.CONTROLLER_GENUINE, controller.attestation() instanceof ControllerEvidenceVerdict.Attested a
                    ? Check.pass("controller.attested", (a.simulated() ? "SIMULATED: " : "") + a.reason())
                    : Check.fail("controller.attested", controller.attestation().reason()));
            Ed25519PublicKey key = controller.key();

            // Guarantee 2: the bundle, its key, its summary and its checkpoint, all by that key.
            JsonNode named = payload.path("controller_key");
            boolean sameKey = named.path("public_key").asText("").equals(key.base64()) && named.path("key_id").asText("").equals(key.keyId())
                    && "ed25519".equals(named.path("alg").asText(""));
            checks.add(Guarantee.SIGNED_BY_CONTROLLER, Check.of(sameKey, "bundle.controller-key", "key " + key.keyId(),
                    "key " + named.path("key_id").asText("none"), sameKey ? "the key the evidence names" : "another key than the evidence names"));
            SignedDocument.Verified signed = SignedDocument.verify(document, key);
            checks.add(Guarantee.SIGNED_BY_CONTROLLER, signed.payload().isPresent()
                    ? Check.pass("bundle.signature", "signed by controller key " + key.keyId()) : Check.fail("bundle.signature", signed.failure()));
            JsonNode stateDocument = payload.path("state");
            SignedDocument.Verified state = SignedDocument.verify(stateDocument, key);
            checks.add(Guarantee.SIGNED_BY_CONTROLLER, state.payload().isPresent()
                    ? Check.pass("state.signature", "the CVM's summary is signed by controller key " + key.keyId())
                    : Check.fail("state.signature", "the CVM's summary: " + state.failure()));
            Optional<Instant> issuedAt = instant(payload.path("issued_at"));
            if (issuedAt.isEmpty()) {
                checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "bundle.issued-at", "issued_at is not a time");
            }
            if (state.payload().isEmpty() || signed.payload().isEmpty() || issuedAt.isEmpty()) {
                return checks.verdict();
            }
            ObjectNode summary = state.payload().get();
            String stateFormat = summary.path("format").asText("missing");
            if (!CvmState.FORMAT_V2.equals(stateFormat)) {
                return checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "state.format", "the summary is not a " + CvmState.FORMAT_V2
                        + " state (format " + stateFormat + ")").verdict();
            }
            Optional<String> unknown = CvmStateVerifier.SUMMARY.unknownMember(summary);
            if (unknown.isPresent()) {
                return checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "state.document", "the summary is not one the controller writes: "
                        + unknown.get()).verdict();
            }
            Optional<Checkpoint> checkpoint = checkpoint(key, summary);
            freshness(summary);
            if (checkpoint.isEmpty()) {
                return checks.verdict();
            }
            return history(controller, key, summary, checkpoint.get(), issuedAt.get());
        }

        /** The bundle's checkpoint: signed by the controller, for the log it and its summary name. */
        private Optional<Checkpoint> checkpoint(Ed25519PublicKey key, JsonNode summary) {
            JsonNode log = payload.path("log");
            String note = log.path("checkpoint").asText("");
            boolean sameLog = summary.path("log").equals(log);
            checks.add(Guarantee.COMPLETE_HISTORY, Check.of(sameLog, "state.log", "the bundle's log", sameLog ? "the same" : "another",
                    sameLog ? "the summary names the bundle's log size, head and checkpoint" : "the summary names another log than the bundle"));
            try {
                Checkpoint c = Checkpoint.open(note, ControllerLog.verifierKey(key), ControllerLog.origin(key));
                checks.pass(Guarantee.SIGNED_BY_CONTROLLER, "checkpoint.signature", "signed by the controller for its log " + c.origin());
                long size = log.path("size").asLong(-1);
                boolean sameSize = c.size() == size && log.path("size").canConvertToExactIntegral();
                checks.add(Guarantee.COMPLETE_HISTORY, Check.of(sameSize, "checkpoint.size", "size " + size, "size " + c.size(),
                        sameSize ? "the checkpoint is of the log the bundle names" : "the checkpoint is of another size of log"));
                return sameLog && sameSize ? Optional.of(c) : Optional.empty();
            } catch (MalformedNoteException | NoteRejectedException e) {
                checks.fail(Guarantee.SIGNED_BY_CONTROLLER, "checkpoint.signature", e.getMessage());
                return Optional.empty();
            }
        }

        /** Guarantee 6: the nonce asked for is the one the bundle and its summary answer (the evidence's is checked with it). */
        private void freshness(JsonNode summary) {
            if (trust.nonce().isEmpty()) {
                return;
            }
            String asked = trust.nonce().get();
            for (Map.Entry<String, JsonNode> part : List.of(Map.entry("bundle", payload), Map.entry("state", summary))) {
                Optional<String> carried = Optional.ofNullable(part.getValue().path("nonce").asText(null));
                boolean fresh = carried.equals(trust.nonce());
                checks.add(Guarantee.FRESH, Check.of(fresh, part.getKey() + ".freshness", "nonce " + asked,
                        carried.map(c -> "nonce " + c).orElse("no nonce"), fresh ? "answers this request" : "answers another request: stale or replayed"));
            }
        }

        /** Guarantees 3, 4 and 5: owners, the CVM's history and where it leads, and the facts. */
        private BundleVerdict history(EvidenceVerdict.Facts controller, Ed25519PublicKey key, JsonNode summary, Checkpoint checkpoint,
                Instant issuedAt) {
            BundleOwners.Read read = BundleOwners.read(payload.path("owners"), key, checkpoint, checks);
            governance = read.governance();
            List<Payload.OwnerKey> owners = read.registered();
            String cvmId = summary.path("cvm").path("id").asText("");
            JsonNode cvm = payload.path("cvm");
            Optional<Part> custody = entries(cvm.path("custody"), "cvm.custody");
            Optional<Part> tail = entries(cvm.path("entries"), "cvm.entries");
            if (custody.isEmpty() || tail.isEmpty()) {
                return checks.verdict();
            }
            if (custody.get().entries().isEmpty()) {
                return checks.fail(Guarantee.COMPLETE_HISTORY, "history", "the bundle has none of the CVM's entries").verdict();
            }
            ChainVerdict custodyChain = ChainVerifier.verifySubject(cvmId, custody.get().entries());
            if (custodyChain instanceof ChainVerdict.Broken broken) {
                return checks.fail(Guarantee.COMPLETE_HISTORY, "history", "the CVM's first entries do not chain from its first: position "
                        + broken.index() + ": " + broken.reason()).verdict();
            }
            LogEntry custodyLast = custody.get().last();
            checks.add(Guarantee.COMPLETE_HISTORY, inclusion("custody.inclusion", custodyLast, cvm.path("custody_inclusion"), checkpoint));

            OptionalLong since = cvm.has("since") ? OptionalLong.of(cvm.path("since").asLong(-1)) : OptionalLong.empty();
            Sha256Hash prevHash = EntryCodec.hash(custodyLast);
            long prevSeq = custodyLast.seq();
            boolean resumed = false;
            Optional<LogEntry> anchorEntry = Optional.empty();
            if (since.isPresent()) {
                BundleSince.consistency(payload.path("consistency"), trust.trustedCheckpoint(), since.getAsLong(), checkpoint, checks);
                if (cvm.has("anchor")) {
                    Optional<LogEntry> anchor = BundleSince.anchor(cvm.path("anchor"), cvmId, custodyLast, since.getAsLong(), checkpoint, checks);
                    if (anchor.isEmpty()) {
                        return checks.verdict();
                    }
                    prevHash = EntryCodec.hash(anchor.get());
                    prevSeq = anchor.get().seq();
                    resumed = true;
                    anchorEntry = anchor;
                }
            } else if (trust.trustedCheckpoint().isPresent()) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "consistency", "a checkpoint of size " + trust.trustedCheckpoint().get().size()
                        + " is trusted, but the bundle carries no consistency proof from it (ask for the bundle with since="
                        + trust.trustedCheckpoint().get().size() + ")");
            } else if (cvm.has("anchor")) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "history", "the bundle leaves entries out (an anchor) without naming since when");
            } else if (payload.has("consistency")) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "consistency", "the bundle carries a consistency proof without naming since when: "
                        + "nothing would read it");
            }
            ChainVerdict tailChain = ChainVerifier.verifySubject(cvmId, prevHash, prevSeq, tail.get().entries());
            if (tailChain instanceof ChainVerdict.Broken broken) {
                return checks.fail(Guarantee.COMPLETE_HISTORY, "history", "the CVM's entries do not chain: position " + broken.index() + ": "
                        + broken.reason()).verdict();
            }
            ChainVerdict.Intact intact = (ChainVerdict.Intact) tailChain;
            JsonNode cvmLog = summary.path("cvm_log");
            String claimedHead = cvmLog.path("head").asText("");
            long claimedSize = cvmLog.path("size").asLong(-1);
            long count = custody.get().entries().size() + tail.get().entries().size();
            String leads = resumed ? "head " + intact.head().hex() : count + " entries to head " + intact.head().hex();
            String claimed = resumed ? "head " + claimedHead : claimedSize + " entries to head " + claimedHead;
            checks.add(Guarantee.COMPLETE_HISTORY, Check.of(leads.equals(claimed), "history", leads, claimed, leads.equals(claimed)
                    ? "the CVM's entries chain to the head its summary names" : "the summary names another head or size than the entries chain to"));
            LogEntry last = tail.get().entries().isEmpty() ? (resumed ? null : custodyLast) : tail.get().last();
            if (last == null) {
                return checks.fail(Guarantee.COMPLETE_HISTORY, "history", "the bundle leaves out the CVM's last entries").verdict();
            }
            checks.add(Guarantee.COMPLETE_HISTORY, inclusion("inclusion", last, cvmLog.path("inclusion"), checkpoint));

            CvmHistory.Replay replay = CvmHistory.Replay.initial().then(custody.get().entries(), custody.get().payloads());
            List<Payload> decoded = decoded(tail.get().entries());
            if (!resumed && cvm.has("policy")) {
                return checks.fail(Guarantee.COMPLETE_HISTORY, "policy", "the bundle carries the policy in force at an anchor it does not "
                        + "have").verdict();
            }
            if (resumed && replay.violation().isEmpty()) {
                CvmMode before = CvmHistory.modeBefore(decoded).or(() -> CvmMode.parse(summary.path("cvm").path("mode").asText("")))
                        .orElse(CvmMode.IN_UPDATE);
                Optional<CvmHistory.Policy> atAnchor = cvm.has("policy")
                        ? BundleSince.policyAt(cvm.path("policy"), cvmId, custodyLast, anchorEntry.orElseThrow(), checkpoint, checks)
                        : Optional.of(replay.policy());
                if (atAnchor.isEmpty()) {
                    return checks.verdict();
                }
                replay = replay.resumedIn(before, atAnchor.get());
            }
            replay = replay.then(tail.get().entries(), tail.get().payloads());
            return judge(controller, key, summary, checkpoint, issuedAt, owners, replay, custody.get(), tail.get(), since, intact.head());
        }

        private BundleVerdict judge(EvidenceVerdict.Facts controller, Ed25519PublicKey key, JsonNode summary, Checkpoint checkpoint,
                Instant issuedAt, List<Payload.OwnerKey> owners, CvmHistory.Replay replay, Part custody, Part tail, OptionalLong since,
                Sha256Hash cvmHead) {
            JsonNode cvm = summary.path("cvm");
            checks.add(Guarantee.IN_SERVICE, replay.violation().map(v -> Check.fail("lifecycle", v))
                    .orElse(Check.pass("lifecycle", "every transition is allowed")));
            governance.ifPresent(g -> checks.add(Guarantee.IN_SERVICE, g.violation(tail.entries(), decoded(tail.entries()))
                    .map(v -> Check.fail("governance", v))
                    .orElse(Check.pass("governance", "every governed entry names the owners in force and carries the approvals k of them need"))));
            String claimedMode = cvm.path("mode").asText("");
            boolean modeMatches = replay.mode().map(CvmMode::wire).orElse("").equals(claimedMode);
            checks.add(Guarantee.IN_SERVICE, Check.of(modeMatches, "mode", replay.mode().map(CvmMode::wire).orElse("no mode"), claimedMode,
                    modeMatches ? "the mode the history leads to" : "the summary claims a mode its history does not lead to"));
            List<Check> summaryChecks = CvmStateVerifier.summaryChecks(cvm, replay);
            checks.add(Guarantee.IN_SERVICE, summaryChecks.get(0));
            checks.add(Guarantee.CVM_GENUINE, summaryChecks.get(1));
            CvmStateVerifier.policyChecks(cvm, replay).forEach(c -> checks.add(Guarantee.IN_SERVICE, c));

            Optional<String> hostKey = cvm.hasNonNull("host_key") ? Optional.of(cvm.get("host_key").asText()) : Optional.empty();
            boolean keyMatches = replay.hostKey().equals(hostKey);
            checks.add(Guarantee.CVM_GENUINE, Check.of(keyMatches, "host key", replay.hostKey().orElse("none recorded"), hostKey.orElse("none"),
                    keyMatches ? "the host key adoption recorded" : "the summary names another host key than adoption recorded"));
            replay.hostKey().ifPresent(k -> {
                boolean pinned = replay.pin().equals(OpenSshFingerprint.of(k));
                checks.add(Guarantee.CVM_GENUINE, Check.of(pinned, "host key pin", replay.pin().orElse("nothing pinned"),
                        OpenSshFingerprint.of(k).orElse("an unreadable key"),
                        pinned ? "the adopted host key is the one pinned" : "the adopted host key is not the one pinned"));
            });
            // Simulated CVM evidence chains to duet's simulated root, which only the controller's evidence carries: trusted here
            // when, and only when, that evidence was attested under the very root the user named.
            Optional<AttestationVerifier> simulatedChip = controller.attestation() instanceof ControllerEvidenceVerdict.Attested a
                    && a.simulated() ? EvidenceVerifier.simulatedChip(payload.path("evidence"), trust.controller()) : Optional.empty();
            Optional<Verdict> launch = Optional.empty();
            if (replay.attestation().isPresent() && replay.hostKey().isPresent()) {
                Payload.Attestation attestation = replay.attestation().get();
                Instant at = replay.attestedAt().orElseThrow();
                checks.add(Guarantee.CVM_GENUINE, HostKeyEvidence.check(attestation, replay.expectedMeasurement(), replay.hostKey().get(), at));
                AttestationVerifier vendor = attestation.simulated() ? simulatedChip.orElse(trust.cvmVendor()) : trust.cvmVendor();
                launch = HostKeyEvidence.appraise(attestation, replay.hostKey().get(), vendor, trust.cvm(), at);
                checks.add(Guarantee.CVM_GENUINE, launch.map(v -> v.accepted()
                        ? Check.pass("cvm.launch", v.evidence() + " meets the CVM policy under the trusted roots and binds the host key")
                        : Check.fail("cvm.launch", "the launch evidence does not meet the CVM policy under the trusted roots: "
                                + String.join("; ", v.failures().stream().map(Check::describe).toList())))
                        .orElse(Check.fail("cvm.launch", "the launch evidence cannot be read")));
            }
            long tailStart = summary.path("cvm_log").path("size").asLong(0) - tail.entries().size();
            CvmStateVerifier.reAttestations(tail.entries(), tail.payloads(), tailStart, replay).forEach(c -> checks.add(Guarantee.CVM_GENUINE, c));
            Optional<Verdict> fresh = fresh(replay, new CvmFreshBinding.LogHead(Math.max(0, summary.path("cvm_log").path("size").asLong(0)),
                    Octets.copyOf(cvmHead.toByteArray())), simulatedChip, issuedAt);
            if (checks.failedUnder(Guarantee.SIGNED_BY_CONTROLLER, Guarantee.COMPLETE_HISTORY) || replay.mode().isEmpty()) {
                return checks.verdict();
            }
            List<DeploymentFacts.Event> events = events(custody, tail, since);
            DeploymentFacts.Cvm facts = new DeploymentFacts.Cvm(cvm.path("id").asText(""), cvm.path("name").asText(""),
                    cvm.path("provider").asText(""), replay.mode().get(),
                    replay.modeSince().map(m -> new DeploymentFacts.Moment(m.seq(), m.at())), hostKey.orElse(""),
                    replay.attestation().map(Payload.Attestation::simulated).orElse(false), launch, fresh, replay.policy(),
                    replay.inServiceCommands());
            boolean simulated = controller.attestation() instanceof ControllerEvidenceVerdict.Attested a && a.simulated();
            return checks.verdict(new DeploymentFacts(issuedAt, Optional.ofNullable(payload.path("nonce").asText(null)).filter(
                    n -> trust.nonce().equals(Optional.of(n))), new DeploymentFacts.Controller(key.keyId(), controller.tee(), simulated,
                    controller.attestation()), facts, owners, events, checkpoint, since));
        }

        /**
         * Guarantees 6 and 3: the CVM's report made for the nonce asked with ({@code cvm_evidence.fresh}),
         * bound to the host key the history adopted, that nonce and {@code head}, the head of the CVM's
         * verified entries, whatever the report's document claims; appraised like the launch evidence,
         * and of the image the launch named. Without it, a CVM the controller created and that is running
         * fails: the controller can ask it and must; an adopted or stopped one has none to give, and
         * {@code cvm_evidence.fresh_unavailable} says why. Without a nonce asked for, nothing is fresh.
         */
        private Optional<Verdict> fresh(CvmHistory.Replay replay, CvmFreshBinding.LogHead head, Optional<AttestationVerifier> simulatedChip,
                Instant issuedAt) {
            JsonNode evidence = payload.path("cvm_evidence");
            if (trust.nonce().isEmpty()) {
                if (evidence.has("fresh")) {
                    checks.pass(Guarantee.FRESH, "cvm.fresh", "not judged: no nonce was asked for, so no CVM report can be shown fresh");
                }
                return Optional.empty();
            }
            String nonce = trust.nonce().get();
            if (!evidence.has("fresh")) {
                String why = evidence.has("fresh_unavailable") ? "the controller says: " + evidence.get("fresh_unavailable").asText()
                        : "the bundle does not say why";
                boolean due = replay.attestation().isPresent() && replay.mode().filter(CvmMode::isOperational).isPresent();
                checks.add(Guarantee.FRESH, due
                        ? Check.fail("cvm.fresh", "a report for nonce " + nonce, "none", "the CVM was launched with attestation and is "
                                + "running, so its controller can and must ask it for a fresh report, and the bundle has none (" + why + ")")
                        : Check.pass("cvm.fresh", "none", "none", "no fresh CVM report: " + (replay.attestation().isEmpty()
                                ? "the CVM was adopted, without attestation" : "the CVM is not running") + " (" + why + ")"));
                return Optional.empty();
            }
            FreshCvmEvidence report;
            try {
                report = FreshCvmEvidence.fromJson(evidence.get("fresh"));
            } catch (MalformedJsonException e) {
                checks.fail(Guarantee.FRESH, "cvm.fresh", e.getMessage());
                return Optional.empty();
            }
            if (replay.hostKey().isEmpty()) {
                checks.fail(Guarantee.CVM_GENUINE, "cvm.fresh", "the history adopted no host key for the fresh report to bind");
                return Optional.empty();
            }
            String hostKey = replay.hostKey().get();
            checks.add(Guarantee.FRESH, report.verifyBinding(hostKey, nonce, head));
            Optional<Verdict> verdict = HostKeyEvidence.appraiseFresh(report, hostKey, nonce, head,
                    report.simulated() ? simulatedChip.orElse(trust.cvmVendor()) : trust.cvmVendor(), trust.cvm(), issuedAt);
            checks.add(Guarantee.CVM_GENUINE, verdict.map(v -> v.accepted()
                    ? Check.pass("cvm.fresh", (report.simulated() ? "SIMULATED: " : "") + v.evidence()
                            + " made for this nonce meets the CVM policy under the trusted roots and binds the host key and the log head")
                    : Check.fail("cvm.fresh", "the fresh report does not meet the CVM policy under the trusted roots: "
                            + String.join("; ", v.failures().stream().map(Check::describe).toList())))
                    .orElse(Check.fail("cvm.fresh", "the fresh report cannot be read")));
            replay.launchEvidence().ifPresent(launch -> checks.add(Guarantee.CVM_GENUINE, launch.unlike("the fresh report", report.source(),
                    report.simulated()).map(why -> Check.fail("cvm.fresh.source", why))
                    .orElse(Check.pass("cvm.fresh.source", "the fresh report is " + report.source() + " evidence, as the launch promised"))));
            replay.attestation().flatMap(a -> HostKeyEvidence.sameAzureVm(a, report.source(), report.evidence()))
                    .ifPresent(same -> checks.add(Guarantee.CVM_GENUINE, same));
            replay.attestation().flatMap(a -> HostKeyEvidence.measurement(a.evidence())).ifPresent(launched -> {
                Optional<Octets> now = HostKeyEvidence.measurement(report.evidence());
                boolean same = now.equals(Optional.of(launched));
                checks.add(Guarantee.CVM_GENUINE, Check.of(same, "cvm.fresh.measurement", "MEASUREMENT " + launched.hex(),
                        now.map(m -> "MEASUREMENT " + m.hex()).orElse("none"), same ? "the machine answering now runs the image it launched"
                                : "the machine answering now does not run the image its launch attested"));
            });
            return verdict;
        }

        /** A list of entries as received: decoded, with their payload objects. */
        private Optional<Part> entries(JsonNode raw, String where) {
            if (!raw.isArray()) {
                checks.fail(Guarantee.COMPLETE_HISTORY, "history", where + " is not a list of entries");
                return Optional.empty();
            }
            List<LogEntry> entries = new ArrayList<>();
            List<JsonNode> payloads = new ArrayList<>();
            for (int i = 0; i < raw.size(); i++) {
                try {
                    entries.add(EntryCodec.fromJson(raw.get(i)));
                    payloads.add(raw.get(i).get("payload"));
                } catch (MalformedEntryException e) {
                    checks.fail(Guarantee.COMPLETE_HISTORY, "history", where + "[" + i + "] is malformed: " + e.getMessage());
                    return Optional.empty();
                }
            }
            return Optional.of(new Part(entries, payloads));
        }

        /**
         * What a policy judges of the history: mode changes and commands, from {@code since} on when
         * it is given. The custody entry that first puts the CVM in {@code in-update} (its adoption,
         * or its boot) is a mode change too: that first window is when the owner set the CVM up, and
         * {@code maxInUpdateWindows} counts it.
         */
        private static List<DeploymentFacts.Event> events(Part custody, Part tail, OptionalLong since) {
            List<DeploymentFacts.Event> events = new ArrayList<>();
            List<LogEntry> all = new ArrayList<>(custody.entries());
            all.addAll(tail.entries());
            List<Payload> payloads = decoded(all);
            CvmHistory.Replay replay = CvmHistory.Replay.initial();
            for (int i = 0; i < all.size(); i++) {
                LogEntry entry = all.get(i);
                CvmMode before = replay.mode().orElse(CvmMode.PROVISIONING);
                if (i < custody.entries().size()) {
                    replay = replay.then(List.of(entry));
                }
                if (since.isPresent() && entry.seq() < since.getAsLong() || payloads.get(i) == null) {
                    continue;
                }
                DeploymentFacts.Moment when = new DeploymentFacts.Moment(entry.seq(), entry.time());
                if (i < custody.entries().size() && before != CvmMode.IN_UPDATE && replay.mode().equals(Optional.of(CvmMode.IN_UPDATE))
                        && !(payloads.get(i) instanceof Payload.ModeChanged)) {
                    events.add(new DeploymentFacts.Event.ModeChanged(when, before, CvmMode.IN_UPDATE));
                } else if (payloads.get(i) instanceof Payload.ModeChanged change) {
                    events.add(new DeploymentFacts.Event.ModeChanged(when, change.from(), change.to()));
                } else if (payloads.get(i) instanceof Payload.CommandStarted command) {
                    events.add(new DeploymentFacts.Event.Command(when, command.argv()));
                }
            }
            return events;
        }

        /** Each entry's payload, or null where it does not decode (the replay reports that entry). */
        private static List<Payload> decoded(List<LogEntry> entries) {
            List<Payload> out = new ArrayList<>(entries.size());
            for (LogEntry entry : entries) {
                try {
                    out.add(PayloadCodec.decode(entry));
                } catch (MalformedPayloadException e) {
                    out.add(null);
                }
            }
            return out;
        }

        private static Optional<Instant> instant(JsonNode value) {
            try {
                return value.isTextual() ? Optional.of(Instant.parse(value.asText())) : Optional.empty();
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }

        private static Check prefixed(String prefix, Check check) {
            return new Check(prefix + check.id(), check.passed(), check.expected(), check.actual(), check.reason());
        }
    }

    /** Entries as received and their payload objects. */
    private record Part(List<LogEntry> entries, List<JsonNode> payloads) {
        LogEntry last() {
            return entries.get(entries.size() - 1);
        }
    }
}
