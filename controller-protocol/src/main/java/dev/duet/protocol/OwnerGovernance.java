package dev.duet.protocol;

import dev.duet.log.LogEntry;
import dev.duet.protocol.entry.EntryKind;
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
 *
 * <p>The owner changes a verifier is given are each proved included, which alone would not show
 * that none is missing. So each change names the one before it and each governed entry names the
 * owners it was approved under ({@code owners_entry}): a bundle that leaves out a change breaks the
 * chain or leaves a governed entry naming owners it does not give. Hiding a change would take a
 * false {@code owners_entry} written into the log itself, for good.
 */
public final class OwnerGovernance {
    /** The owner key ids and threshold in force after entry {@code fromSeq}. */
    public record InForce(long fromSeq, Set<String> keyIds, int threshold) {
        public InForce {
            keyIds = Set.copyOf(keyIds);
        }
    }

    /** An {@code owners.changed} entry's payload, its position and who asked for it (the entry's actor). */
    public record Change(long seq, String actor, Payload.OwnersChanged change) {}

    private final List<InForce> timeline;

    private OwnerGovernance(List<InForce> timeline) {
        this.timeline = List.copyOf(timeline);
    }

    /**
     * From entry 0 and the owner changes (in log order); empty with the reason when a change does
     * not change the owners given just before it (one is missing), lacks the approvals of k of
     * those owners, removes a key that is not in force or adds one that is.
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
            if (c.change().ownersEntry() != last) {
                return new Result(Optional.empty(), Optional.of("owner change " + c.seq() + " changes the owners set at entry "
                        + c.change().ownersEntry() + ", but the owners before it are those of entry " + last + ": an owner change is missing"));
            }
            Optional<String> unapproved = unapproved(timeline.get(timeline.size() - 1), c.seq(), EntryKind.OWNERS_CHANGED.wire(), c.actor(),
                    c.change().approvedBy());
            if (unapproved.isPresent()) {
                return new Result(Optional.empty(), unapproved);
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

    /**
     * The first governed entry among {@code entries} that names other owners than those in force
     * when it was written, or lacks their approvals, said in words; empty when none does.
     */
    public Optional<String> violation(List<LogEntry> entries, List<Payload> payloads) {
        for (int i = 0; i < entries.size() && i < payloads.size(); i++) {
            Optional<Governed> governed = governed(payloads.get(i));
            if (governed.isEmpty()) {
                continue;
            }
            LogEntry entry = entries.get(i);
            InForce owners = at(entry.seq());
            if (governed.get().ownersEntry() != owners.fromSeq()) {
                return Optional.of("entry " + entry.seq() + " (" + entry.kind() + ") was approved under the owners set at entry "
                        + governed.get().ownersEntry() + ", but the owners in force then are those of entry " + owners.fromSeq()
                        + (timeline.stream().anyMatch(f -> f.fromSeq() == governed.get().ownersEntry()) ? "" : ": an owner change is missing"));
            }
            Optional<String> unapproved = unapproved(owners, entry.seq(), entry.kind(), entry.actor(), governed.get().approvedBy());
            if (unapproved.isPresent()) {
                return unapproved;
            }
        }
        return Optional.empty();
    }

    /** Why an entry by {@code actor} lacks the approvals of k of {@code owners} with its requester among them; empty when it does not. */
    private static Optional<String> unapproved(InForce owners, long seq, String kind, String actor, List<String> approvedBy) {
        if (owners.threshold() <= 1) {
            return Optional.empty();
        }
        long valid = approvedBy.stream().distinct().filter(owners.keyIds()::contains).count();
        String requester = actor.startsWith("owner:") ? actor.substring("owner:".length()) : actor;
        if (valid >= owners.threshold() && approvedBy.contains(requester)) {
            return Optional.empty();
        }
        return Optional.of("entry " + seq + " (" + kind + ") carries the approvals of " + valid + " owner keys in force"
                + (approvedBy.contains(requester) ? "" : ", not its requester's") + "; " + owners.threshold() + " of "
                + owners.keyIds().size() + " were needed");
    }

    private record Governed(List<String> approvedBy, long ownersEntry) {}

    /** The approvals a governed entry logs and the owners it names (an entry from before owner changes names entry 0's); empty for an entry that is not governed. */
    private static Optional<Governed> governed(Payload payload) {
        if (payload instanceof Payload.ModeChanged change && change.to() == CvmMode.IN_UPDATE) {
            return Optional.of(new Governed(change.approvedBy(), change.ownersEntry().orElse(0)));
        }
        if (payload instanceof Payload.PolicySet set && set.origin().equals(Payload.PolicySet.ORIGIN_OWNER)) {
            return Optional.of(new Governed(set.approvedBy(), set.ownersEntry().orElseThrow()));
        }
        return Optional.empty();
    }
}
