package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Octets;
import dev.duet.log.LogEntry;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A CVM's history read through the {@link Lifecycle} of DESIGN §4, in one place for everyone who
 * reads one: the state and bundle verifiers replay what they were given, and the controller folds
 * its own entries into the summary it signs ({@code duet.cvm-state/v2}), so the two cannot
 * disagree on where a history leads.
 */
public final class CvmHistory {
    private CvmHistory() {}

    /** A log position and its entry's time. */
    public record Moment(long seq, Instant at) {}

    /**
     * Where a CVM's entries lead: its mode and the entry that set it, the first violation (after
     * which the replay stops), the host key pinned and adopted, the commands started, and the
     * accepted attestation of a guest the controller created.
     */
    public record Replay(Optional<CvmMode> mode, Optional<Moment> modeSince, Optional<String> violation, Optional<String> pin,
            Optional<String> hostKey, long commandsRun, OptionalLong inServiceSince, Optional<Payload.Attestation> attestation,
            Optional<Instant> attestedAt, Optional<Octets> expectedMeasurement) {

        /** Before the CVM's first entry. */
        public static Replay initial() {
            return new Replay(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                    OptionalLong.empty(), Optional.empty(), Optional.empty(), Optional.empty());
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
         * The same replay, resumed in {@code resumedMode}: for a history given from a later entry on,
         * whose earlier part (commands, mode changes) is left out but whose custody part (adoption,
         * attestation) is kept.
         */
        public Replay resumedIn(CvmMode resumedMode) {
            return new Replay(Optional.of(resumedMode), modeSince, violation, pin, hostKey, commandsRun, inServiceSince, attestation,
                    attestedAt, expectedMeasurement);
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
            Replay replay = event.get() instanceof Lifecycle.Event.CommandStarted ? withCommands(commandsRun + 1) : this;
            Lifecycle.Outcome outcome = Lifecycle.next(mode, event.get());
            if (outcome instanceof Lifecycle.Outcome.Refused refused) {
                return replay.violated(entry, refused.reason());
            }
            return replay.after(entry, payload, ((Lifecycle.Outcome.Next) outcome).mode());
        }

        /** The replay after an allowed entry: the new mode and what the entry establishes. */
        private Replay after(LogEntry entry, Payload payload, CvmMode next) {
            Optional<String> newPin = pin;
            Optional<String> newHostKey = hostKey;
            OptionalLong newInServiceSince = inServiceSince;
            Optional<Payload.Attestation> newAttestation = attestation;
            Optional<Instant> newAttestedAt = attestedAt;
            Optional<Octets> newMeasurement = expectedMeasurement;
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
            }
            return new Replay(Optional.of(next), newModeSince, violation, newPin, newHostKey, commandsRun, newInServiceSince,
                    newAttestation, newAttestedAt, newMeasurement);
        }

        private Replay withCommands(long commands) {
            return new Replay(mode, modeSince, violation, pin, hostKey, commands, inServiceSince, attestation, attestedAt,
                    expectedMeasurement);
        }

        private Replay violated(LogEntry entry, String problem) {
            return new Replay(mode, modeSince, Optional.of("entry " + entry.seq() + ": " + problem), pin, hostKey, commandsRun,
                    inServiceSince, attestation, attestedAt, expectedMeasurement);
        }
    }

    /** Replays a CVM's complete history; {@code payloads} are the entries' payload objects as received. */
    public static Replay replay(List<LogEntry> entries, List<JsonNode> payloads) {
        return Replay.initial().then(entries, payloads);
    }

    /**
     * The mode a CVM must have been in before the first of {@code payloads} that says: a mode change
     * or a stop names the mode it left, a command runs only in {@code in-update}. Empty when none
     * says (refusals only, or a failure, which may come from either operational mode).
     */
    public static Optional<CvmMode> modeBefore(List<Payload> payloads) {
        for (Payload payload : payloads) {
            if (payload instanceof Payload.ModeChanged change) {
                return Optional.of(change.from());
            } else if (payload instanceof Payload.Stopped stopped) {
                return Optional.of(stopped.from());
            } else if (payload instanceof Payload.Removed removed) {
                return Optional.of(removed.from());
            } else if (payload instanceof Payload.CommandStarted || payload instanceof Payload.CommandCompleted
                    || payload instanceof Payload.CommandFailed) {
                return Optional.of(CvmMode.IN_UPDATE);
            } else if (!(payload instanceof Payload.RequestRefused || payload instanceof Payload.ApprovalRequested
                    || payload instanceof Payload.ApprovalAdded || payload instanceof Payload.ApprovalExpired)) {
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
        } else if (payload instanceof Payload.ApprovalRequested || payload instanceof Payload.ApprovalAdded
                || payload instanceof Payload.ApprovalExpired) {
            // A request waiting for owners changes nothing on the CVM: like a refusal, it may come in any mode once the CVM exists.
            return Optional.of(new Lifecycle.Event.RequestRefused());
        } else if (payload instanceof Payload.Stopped stopped) {
            return Optional.of(new Lifecycle.Event.Stopped(stopped.from()));
        } else if (payload instanceof Payload.Removed removed) {
            return Optional.of(new Lifecycle.Event.Removed(removed.from()));
        }
        return Optional.empty();
    }
}
