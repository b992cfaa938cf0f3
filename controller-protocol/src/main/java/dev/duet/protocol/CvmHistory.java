package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Octets;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import dev.duet.log.LogEntry;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.ShieldPolicy;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A CVM's history read through the {@link Lifecycle} of DESIGN §4, in one place for everyone who
 * reads one: the state and bundle verifiers replay what they were given, and the controller folds
 * its own entries into the summary it signs ({@code duet.cvm-state/v2}), so the two cannot
 * disagree on where a history leads. The replay also judges every decision the history records
 * against the policy in force at that point ({@link PolicyReplay}).
 */
public final class CvmHistory {
    private CvmHistory() {}

    /** A log position and its entry's time. */
    public record Moment(long seq, Instant at) {}

    /**
     * The policy in force as a history sets it (issue 12): its version (0 for the built-in
     * {@link ShieldPolicy#DEFAULT}, which no entry logs), the SHA-256 the entry logged and the
     * entry's seq, and the policy itself, which the replay judges each decision by.
     */
    public record Policy(long version, String sha256, OptionalLong seq, ShieldPolicy policy) {
        public static final Policy BUILT_IN = new Policy(0, PolicyCodec.sha256(ShieldPolicy.DEFAULT), OptionalLong.empty(),
                ShieldPolicy.DEFAULT);
    }

    /**
     * The commands and file writes started and not ended yet, by id. The controller logs each end
     * after its start, under the CVM's lock; a start may stay open (the controller stopped while it
     * ran), but an end always names an open start. {@code fromStart} is false for a history given
     * from a later entry on, where an end may close work begun before the part given: such an end
     * is not judged.
     */
    public record Unfinished(Set<String> ids, boolean fromStart) {
        public Unfinished {
            ids = Set.copyOf(ids);
        }

        static final Unfinished NONE = new Unfinished(Set.of(), true);

        /** Why {@code payload} does not fit the work open so far, if it does not. */
        Optional<String> problem(Payload payload) {
            Optional<String> started = startedId(payload);
            if (started.isPresent() && ids.contains(started.get())) {
                return Optional.of(payload.kind().wire() + " " + started.get() + " was already started and has not ended");
            }
            Optional<String> ended = endedId(payload);
            if (ended.isPresent() && !ids.contains(ended.get()) && fromStart) {
                return Optional.of(payload.kind().wire() + " " + ended.get() + " ends no command or file write started before it");
            }
            return Optional.empty();
        }

        Unfinished after(Payload payload) {
            Optional<String> started = startedId(payload);
            Optional<String> ended = endedId(payload);
            if (started.isEmpty() && ended.isEmpty()) {
                return this;
            }
            Set<String> open = new HashSet<>(ids);
            started.ifPresent(open::add);
            ended.ifPresent(open::remove);
            return new Unfinished(open, fromStart);
        }

        private static Optional<String> startedId(Payload payload) {
            if (payload instanceof Payload.CommandStarted command) {
                return Optional.of(command.commandId());
            }
            return payload instanceof Payload.FileWriteStarted write ? Optional.of(write.transferId()) : Optional.empty();
        }

        private static Optional<String> endedId(Payload payload) {
            if (payload instanceof Payload.CommandCompleted completed) {
                return Optional.of(completed.commandId());
            } else if (payload instanceof Payload.CommandFailed failed) {
                return Optional.of(failed.commandId());
            } else if (payload instanceof Payload.FileWriteCompleted completed) {
                return Optional.of(completed.transferId());
            }
            return payload instanceof Payload.FileWriteFailed failed ? Optional.of(failed.transferId()) : Optional.empty();
        }
    }

    /**
     * The evidence a controller-created guest's launch entry promises: its provider's evidence
     * source (Azure's vTPM evidence, or the QEMU guest's named source) and, where the launch says,
     * whether the chip is simulated. Every attestation of that guest must be of that kind: a raw SNP
     * report binds whatever key the guest that asked for it chose, so one from any other machine
     * could otherwise stand in for the VM the launch created, and checks written for one kind
     * (Azure's VM id, a QEMU image's MEASUREMENT) would not apply.
     */
    public record LaunchEvidence(String source, Optional<Boolean> simulated) {
        static Optional<LaunchEvidence> of(Payload payload) {
            if (payload instanceof Payload.QemuLaunchStarted qemu) {
                return Optional.of(new LaunchEvidence(qemu.evidenceSource(), Optional.of(qemu.simulated())));
            }
            return payload instanceof Payload.AzureLaunchStarted
                    ? Optional.of(new LaunchEvidence(VtpmHostKeyBinding.EVIDENCE_SOURCE, Optional.empty()))
                    : Optional.empty();
        }

        /** Why {@code payload}'s evidence is not of the launch's kind, if it carries evidence and is not. */
        Optional<String> unlike(Payload payload) {
            if (payload instanceof Payload.Attestation attestation) {
                return unlike("the attestation", attestation.evidenceSource(), attestation.simulated());
            }
            if (payload instanceof Payload.ModeChanged change
                    && change.reAttestation().orElse(null) instanceof Payload.ReAttestation.Fresh fresh) {
                return unlike("the re-attestation", fresh.evidenceSource(), fresh.simulated());
            }
            return Optional.empty();
        }

        /** Why evidence from {@code evidenceSource} is not of the launch's kind, if it is not. */
        public Optional<String> unlike(String what, String evidenceSource, boolean isSimulated) {
            if (!source.equals(evidenceSource)) {
                return Optional.of(what + " is " + evidenceSource + " evidence, but the launch promised " + source);
            }
            if (simulated.isPresent() && simulated.get() != isSimulated) {
                return Optional.of(what + " is " + (isSimulated ? "" : "not ") + "simulated, but the launch said it would "
                        + (simulated.get() ? "be" : "not be"));
            }
            return Optional.empty();
        }
    }

    /**
     * Where a CVM's entries lead: its mode and the entry that set it, the first violation (after
     * which the replay stops), the host key pinned and adopted, the commands started (in all, and
     * while in-service since {@code inServiceSince}), the accepted attestation of a guest the
     * controller created and the evidence its launch promised, the policy in force, the index of the next command the policy runs on leaving service while
     * some are still owed, and the work started and not ended.
     */
    public record Replay(Optional<CvmMode> mode, Optional<Moment> modeSince, Optional<String> violation, Optional<String> pin,
            Optional<String> hostKey, long commandsRun, OptionalLong inServiceSince, Optional<Payload.Attestation> attestation,
            Optional<Instant> attestedAt, Optional<Octets> expectedMeasurement, Optional<LaunchEvidence> launchEvidence, Policy policy,
            long inServiceCommands, OptionalInt leavingOwed, Unfinished unfinished) {

        /** Before the CVM's first entry. */
        public static Replay initial() {
            return new Replay(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                    OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Policy.BUILT_IN, 0,
                    OptionalInt.empty(), Unfinished.NONE);
        }

        /** The accepted attestation as the facts describe it. */
        public Optional<StateVerdict.HostKeyAttestation> attestationFacts() {
            return attestation.map(a -> new StateVerdict.HostKeyAttestation(a.evidenceSource(), a.simulated(), a.trust()));
        }

        /** Runs on over more entries; {@code payloads} are their payload objects as received. */
        public Replay then(List<LogEntry> entries, List<JsonNode> payloads) {
            Replay replay = this;
            for (int i = 0; i < entries.size() && replay.violation.isEmpty(); i++) {
                replay = replay.then(entries.get(i), payloads.get(i));
            }
            return replay;
        }

        /** Runs on over entries as stored (their payloads read from the entries). */
        public Replay then(List<LogEntry> entries) {
            Replay replay = this;
            for (int i = 0; i < entries.size() && replay.violation.isEmpty(); i++) {
                LogEntry entry = entries.get(i);
                try {
                    replay = replay.then(entry, PayloadCodec.decode(entry));
                } catch (MalformedPayloadException e) {
                    return replay.violated(entry, "not an entry the controller writes: " + e.getMessage());
                }
            }
            return replay;
        }

        /**
         * The same replay, resumed in {@code resumedMode} under {@code policyInForce}: for a history
         * given from a later entry on, whose earlier part (commands, mode changes, policy changes) is
         * left out but whose custody part (adoption, attestation) is kept, with the policy in force
         * where it resumes. An end of work started before the given part is not judged.
         */
        public Replay resumedIn(CvmMode resumedMode, Policy policyInForce) {
            return new Replay(Optional.of(resumedMode), modeSince, violation, pin, hostKey, commandsRun, inServiceSince, attestation,
                    attestedAt, expectedMeasurement, launchEvidence, policyInForce, inServiceCommands, OptionalInt.empty(),
                    new Unfinished(Set.of(), false));
        }

        private Replay then(LogEntry entry, JsonNode payloadJson) {
            try {
                return then(entry, PayloadCodec.decode(entry.kind(), payloadJson));
            } catch (MalformedPayloadException e) {
                return violated(entry, "not an entry the controller writes: " + e.getMessage());
            }
        }

        private Replay then(LogEntry entry, Payload payload) {
            Optional<Lifecycle.Event> event = event(payload);
            if (event.isEmpty()) {
                return violated(entry, payload.kind().wire() + " is never on a CVM's history");
            }
            Lifecycle.Outcome outcome = Lifecycle.next(mode, event.get());
            if (outcome instanceof Lifecycle.Outcome.Refused refused) {
                return violated(entry, refused.reason());
            }
            Optional<String> unmatched = unfinished.problem(payload);
            if (unmatched.isPresent()) {
                return violated(entry, unmatched.get());
            }
            Optional<String> denied = PolicyReplay.judge(this, entry, payload);
            if (denied.isPresent()) {
                return violated(entry, denied.get());
            }
            Optional<String> unlike = launchEvidence.flatMap(launch -> launch.unlike(payload));
            if (unlike.isPresent()) {
                return violated(entry, unlike.get());
            }
            return after(entry, payload, ((Lifecycle.Outcome.Next) outcome).mode());
        }

        /** The replay after an allowed entry: the new mode and what the entry establishes. */
        private Replay after(LogEntry entry, Payload payload, CvmMode next) {
            Optional<String> newPin = pin;
            Optional<String> newHostKey = hostKey;
            OptionalLong newInServiceSince = inServiceSince;
            Optional<Payload.Attestation> newAttestation = attestation;
            Optional<Instant> newAttestedAt = attestedAt;
            Optional<Octets> newMeasurement = expectedMeasurement;
            Optional<LaunchEvidence> newLaunch = launchEvidence.or(() -> LaunchEvidence.of(payload));
            Policy newPolicy = policy;
            long commands = commandsRun;
            long inService = inServiceCommands;
            OptionalInt owed = leavingOwed;
            Optional<Moment> newModeSince = mode.equals(Optional.of(next)) ? modeSince : Optional.of(new Moment(entry.seq(), entry.time()));
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
                inService = 0;
                owed = next == CvmMode.IN_UPDATE && !policy.policy().onLeavingService().isEmpty()
                        ? OptionalInt.of(0) : OptionalInt.empty();
            } else if (payload instanceof Payload.CommandStarted) {
                commands++;
                inService += next == CvmMode.IN_SERVICE ? 1 : 0;
                if (owed.isPresent()) {
                    int following = owed.getAsInt() + 1;
                    owed = following < policy.policy().onLeavingService().size() ? OptionalInt.of(following) : OptionalInt.empty();
                }
            } else if (payload instanceof Payload.PolicySet set) {
                newPolicy = new Policy(set.version(), set.sha256(), OptionalLong.of(entry.seq()), set.policy());
            } else if (payload instanceof Payload.Stopped || payload instanceof Payload.Failed) {
                owed = OptionalInt.empty();
            }
            return new Replay(Optional.of(next), newModeSince, violation, newPin, newHostKey, commands, newInServiceSince,
                    newAttestation, newAttestedAt, newMeasurement, newLaunch, newPolicy, inService, owed, unfinished.after(payload));
        }

        private Replay violated(LogEntry entry, String problem) {
            return new Replay(mode, modeSince, Optional.of("entry " + entry.seq() + ": " + problem), pin, hostKey, commandsRun,
                    inServiceSince, attestation, attestedAt, expectedMeasurement, launchEvidence, policy, inServiceCommands, leavingOwed,
                    unfinished);
        }
    }

    /** Replays a CVM's complete history; {@code payloads} are the entries' payload objects as received. */
    public static Replay replay(List<LogEntry> entries, List<JsonNode> payloads) {
        return Replay.initial().then(entries, payloads);
    }

    /**
     * The mode a CVM must have been in before the first of {@code payloads} that says: a mode change
     * or a stop names the mode it left, a file is written only in {@code in-update}. Empty when none
     * says (refusals, commands, reads and approvals, which may happen in either operational mode,
     * or a failure, which may come from either).
     */
    public static Optional<CvmMode> modeBefore(List<Payload> payloads) {
        for (Payload payload : payloads) {
            if (payload instanceof Payload.ModeChanged change) {
                return Optional.of(change.from());
            } else if (payload instanceof Payload.Stopped stopped) {
                return Optional.of(stopped.from());
            } else if (payload instanceof Payload.Removed removed) {
                return Optional.of(removed.from());
            } else if (payload instanceof Payload.FileWriteStarted || payload instanceof Payload.FileWriteCompleted
                    || payload instanceof Payload.FileWriteFailed) {
                return Optional.of(CvmMode.IN_UPDATE);
            } else if (!(payload instanceof Payload.RequestRefused || payload instanceof Payload.CommandStarted
                    || payload instanceof Payload.CommandCompleted || payload instanceof Payload.CommandFailed
                    || payload instanceof Payload.FileRead || payload instanceof Payload.ApprovalEntry)) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The lifecycle event an entry records; none for the log-wide kinds. */
    static Optional<Lifecycle.Event> event(Payload payload) {
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
        } else if (payload instanceof Payload.FileWriteStarted) {
            return Optional.of(new Lifecycle.Event.FileWriteStarted());
        } else if (payload instanceof Payload.FileWriteCompleted || payload instanceof Payload.FileWriteFailed) {
            return Optional.of(new Lifecycle.Event.FileWriteEnded());
        } else if (payload instanceof Payload.FileRead) {
            return Optional.of(new Lifecycle.Event.FileRead());
        } else if (payload instanceof Payload.PolicySet) {
            return Optional.of(new Lifecycle.Event.PolicySet());
        } else if (payload instanceof Payload.ApprovalEntry) {
            return Optional.of(new Lifecycle.Event.ApprovalChanged());
        } else if (payload instanceof Payload.Stopped stopped) {
            return Optional.of(new Lifecycle.Event.Stopped(stopped.from()));
        } else if (payload instanceof Payload.Removed removed) {
            return Optional.of(new Lifecycle.Event.Removed(removed.from()));
        }
        return Optional.empty();
    }
}
