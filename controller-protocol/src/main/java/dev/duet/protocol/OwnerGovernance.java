package dev.duet.protocol;

import dev.duet.log.LogEntry;
import dev.duet.protocol.entry.Payload;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * k of n owners on a CVM's history (issue 12, docs/audit-log.md): which owner keys and threshold
 * were in force at each log position (entry 0, then each {@code owners.changed}), and whether every
 * governed entry (a {@code mode.changed} to {@code in-update}, a {@code policy.set} an owner made)
 * carries the approvals of at least k distinct owner keys in force when it was written, its
 * requester among them. Pure: entries in, a violation or none out.
 */
public final class OwnerGovernance {
    /** The owner key ids and threshold in force after entry {@code fromSeq}. */
    public record InForce(long fromSeq, Set<String> keyIds, int threshold) {
        public InForce {
            keyIds = Set.copyOf(keyIds);
        }
    }

    /** An {@code owners.changed} entry's payload and its position. */
    public record Change(long seq, Payload.OwnersChanged change) {}

    private final List<InForce> timeline;

    private OwnerGovernance(List<InForce> timeline) {
        this.timeline = List.copyOf(timeline);
    }

    /**
     * From entry 0 and the owner changes (in log order); empty with the reason when a change
     * removes a key that is not in force or adds one that is, which the controller never logs.
     */
    public static Result of(Payload.OwnerRegistered registration, List<Change> changes) {
        Set<String> keys = new LinkedHashSet<>();
        registration.ownerKeys().forEach(k -> keys.add(k.keyId()));
        List<InForce> timeline = new ArrayList<>(List.of(new InForce(0, keys, registration.threshold())));
        long last = 0;
        for (Change c : changes) {
            if (c.seq() <= last) {
                return new Result(Optional.empty(), Optional.of("owner change " + c.seq() + " is not after entry " + last));
            }
            for (String removed : c.change().removed()) {
                if (!keys.remove(removed)) {
                    return new Result(Optional.empty(), Optional.of("owner change " + c.seq() + " removes key " + removed + ", not an owner then"));
                }
            }
            for (Payload.OwnerKey added : c.change().added()) {
                if (!keys.add(added.keyId())) {
                    return new Result(Optional.empty(), Optional.of("owner change " + c.seq() + " adds key " + added.keyId() + ", an owner already"));
                }
            }
            if (c.change().threshold() > keys.size()) {
                return new Result(Optional.empty(), Optional.of("owner change " + c.seq() + " sets a threshold above its " + keys.size() + " keys"));
            }
            timeline.add(new InForce(c.seq(), keys, c.change().threshold()));
            last = c.seq();
        }
        return new Result(Optional.of(new OwnerGovernance(timeline)), Optional.empty());
    }

    /** The owners read from the log, or why they cannot be. */
    public record Result(Optional<OwnerGovernance> governance, Optional<String> problem) {}

    /** Whether more than one owner was ever needed: only then do governed entries log approvals. */
    public boolean kOfN() {
        return timeline.stream().anyMatch(f -> f.threshold() > 1);
    }

    /** The owners in force when entry {@code seq} was written. */
    public InForce at(long seq) {
        InForce now = timeline.get(0);
        for (InForce f : timeline) {
            if (f.fromSeq() < seq) {
                now = f;
            }
        }
        return now;
    }

    /** The first governed entry among {@code entries} that lacks its approvals, said in words; empty when none does. */
    public Optional<String> violation(List<LogEntry> entries, List<Payload> payloads) {
        for (int i = 0; i < entries.size() && i < payloads.size(); i++) {
            Optional<List<String>> approvedBy = governed(payloads.get(i));
            if (approvedBy.isEmpty()) {
                continue;
            }
            LogEntry entry = entries.get(i);
            InForce owners = at(entry.seq());
            if (owners.threshold() <= 1) {
                continue;
            }
            long valid = approvedBy.get().stream().distinct().filter(owners.keyIds()::contains).count();
            String requester = entry.actor().startsWith("owner:") ? entry.actor().substring("owner:".length()) : entry.actor();
            if (valid < owners.threshold() || !approvedBy.get().contains(requester)) {
                return Optional.of("entry " + entry.seq() + " (" + entry.kind() + ") carries the approvals of " + valid + " owner keys in "
                        + "force" + (approvedBy.get().contains(requester) ? "" : ", not its requester's") + "; " + owners.threshold()
                        + " of " + owners.keyIds().size() + " were needed");
            }
        }
        return Optional.empty();
    }

    /** The approvals a governed entry logs; empty for an entry that is not governed. */
    private static Optional<List<String>> governed(Payload payload) {
        if (payload instanceof Payload.ModeChanged change && change.to() == CvmMode.IN_UPDATE) {
            return Optional.of(change.approvedBy());
        }
        if (payload instanceof Payload.PolicySet set && set.origin().equals(Payload.PolicySet.ORIGIN_OWNER)) {
            return Optional.of(set.approvedBy());
        }
        return Optional.empty();
    }
}
