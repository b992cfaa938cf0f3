package dev.duet.protocol.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Check;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.ProofVerdict;
import dev.duet.log.merkle.ProofVerifier;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.CvmHistory;
import dev.duet.protocol.ProofJson;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a bundle fetched {@code since} a checkpoint adds (guarantee 4): the proof that its log grew
 * from the checkpoint the user trusts, the CVM's last entry before the history given (the anchor),
 * and the policy in force there, each proved in the bundle's checkpoint.
 */
final class BundleSince {
    private BundleSince() {}

    /** The consistency proof from the checkpoint the user trusts to the bundle's. */
    static void consistency(JsonNode consistency, Optional<Checkpoint> trusted, long since, Checkpoint checkpoint, GradedChecks checks) {
        if (trusted.isEmpty()) {
            checks.fail(Guarantee.COMPLETE_HISTORY, "consistency", "the bundle's history starts after log size " + since
                    + ", but no checkpoint of that size is trusted: nothing shows what came before");
            return;
        }
        Optional<List<Sha256Hash>> proof = ProofJson.read(consistency.path("proof"));
        if (trusted.get().size() != since || consistency.path("from").asLong(-1) != since
                || consistency.path("to").asLong(-1) != checkpoint.size() || proof.isEmpty()) {
            checks.add(Guarantee.COMPLETE_HISTORY, Check.fail("consistency", "from size " + trusted.get().size() + " to " + checkpoint.size(),
                    "since " + since + ", a proof from " + consistency.path("from").asText("none") + " to "
                            + consistency.path("to").asText("none"), "the bundle does not prove the log it has grew from the trusted checkpoint"));
            return;
        }
        ProofVerdict verdict = ProofVerifier.verifyConsistency(since, checkpoint.size(), trusted.get().root(), checkpoint.root(), proof.get());
        checks.add(Guarantee.COMPLETE_HISTORY, verdict instanceof ProofVerdict.Invalid invalid
                ? Check.fail("consistency", "the log of size " + checkpoint.size() + " does not extend the trusted one of size " + since
                        + ": " + invalid.reason())
                : Check.pass("consistency", "the log of size " + checkpoint.size() + " extends the trusted one of size " + since));
    }

    /** The CVM's last entry before the history given: after its custody, before {@code since}, proved in the log. */
    static Optional<LogEntry> anchor(JsonNode anchor, String cvmId, LogEntry custodyLast, long since, Checkpoint checkpoint,
            GradedChecks checks) {
        LogEntry entry;
        try {
            entry = EntryCodec.fromJson(anchor.path("entry"));
        } catch (MalformedEntryException e) {
            checks.fail(Guarantee.COMPLETE_HISTORY, "anchor", "the anchor entry is malformed: " + e.getMessage());
            return Optional.empty();
        }
        boolean placed = entry.subject().equals(Optional.of(cvmId)) && entry.seq() > custodyLast.seq() && entry.seq() < since;
        checks.add(Guarantee.COMPLETE_HISTORY, Check.of(placed, "anchor", "an entry of " + cvmId + " after " + custodyLast.seq()
                + " and before " + since, "entry " + entry.seq() + " of " + entry.subject().orElse("the log"), placed
                ? "the history given follows on from an entry before since" : "the history given does not reach back to since"));
        Check included = BundleVerifier.inclusion("anchor.inclusion", entry, anchor.path("inclusion"), checkpoint);
        checks.add(Guarantee.COMPLETE_HISTORY, included);
        return placed && included.passed() ? Optional.of(entry) : Optional.empty();
    }

    /**
     * The policy in force where the history given resumes, when it was set after the custody entries
     * (else theirs is): a {@code policy.set} of this CVM after its custody and no later than the
     * anchor, proved in the log. Whether it is the last one set before the anchor the replay shows:
     * the next {@code policy.set} must follow its version, and the summary must name what it leads to.
     */
    static Optional<CvmHistory.Policy> policyAt(JsonNode carried, String cvmId, LogEntry custodyLast, LogEntry anchor,
            Checkpoint checkpoint, GradedChecks checks) {
        LogEntry entry;
        Payload payload;
        try {
            entry = EntryCodec.fromJson(carried.path("entry"));
            payload = PayloadCodec.decode(entry);
        } catch (MalformedEntryException | MalformedPayloadException e) {
            checks.fail(Guarantee.COMPLETE_HISTORY, "policy", "the entry of the policy in force at the anchor is malformed: " + e.getMessage());
            return Optional.empty();
        }
        boolean placed = payload instanceof Payload.PolicySet && entry.subject().equals(Optional.of(cvmId))
                && entry.seq() > custodyLast.seq() && entry.seq() <= anchor.seq();
        checks.add(Guarantee.COMPLETE_HISTORY, Check.of(placed, "policy", "a policy.set of " + cvmId + " after " + custodyLast.seq()
                + " and no later than the anchor " + anchor.seq(), entry.kind() + " " + entry.seq() + " of "
                + entry.subject().orElse("the log"), placed ? "the policy in force where the history given resumes"
                : "the bundle gives as the policy in force at the anchor an entry that cannot be it"));
        Check included = BundleVerifier.inclusion("policy.inclusion", entry, carried.path("inclusion"), checkpoint);
        checks.add(Guarantee.COMPLETE_HISTORY, included);
        if (!placed || !included.passed()) {
            return Optional.empty();
        }
        Payload.PolicySet set = (Payload.PolicySet) payload;
        return Optional.of(new CvmHistory.Policy(set.version(), set.sha256(), OptionalLong.of(entry.seq()), set.policy()));
    }
}
