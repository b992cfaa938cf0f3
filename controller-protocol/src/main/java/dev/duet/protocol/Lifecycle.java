package dev.duet.protocol;

import java.util.Objects;
import java.util.Optional;

/**
 * The lifecycle of a CVM (DESIGN §4) as one pure function: the mode it is in (none before it
 * exists) and what happens to it give the mode it is in next, or the reason that cannot happen.
 * The controller asks it before it acts; the state verifier replays a CVM's history through it, so
 * the two cannot disagree on what a history may hold.
 */
public final class Lifecycle {
    private Lifecycle() {}

    /** What can happen to a CVM, as far as its mode is concerned. */
    public sealed interface Event {
        /** An owner asked to adopt or create the CVM: its history begins. */
        record Created() implements Event {}

        /** The controller checked the evidence of a guest it created (accepted or not). */
        record Attested() implements Event {}

        /** The controller holds the CVM's only key and has pinned its host key. */
        record Adopted() implements Event {}

        /** Adoption or launch could not finish, or the VM was lost: the CVM's key is destroyed. */
        record Failed() implements Event {}

        /** The owner switched between the operational modes; {@code from} is the mode it was in. */
        record ModeChanged(CvmMode from, CvmMode to) implements Event {
            public ModeChanged {
                Objects.requireNonNull(from, "from");
                Objects.requireNonNull(to, "to");
            }
        }

        /** A command is sent to the CVM (whether this one may be is the policy's decision, not the lifecycle's). */
        record CommandStarted() implements Event {}

        /** A started command completed, or its outcome never came back. */
        record CommandEnded() implements Event {}

        /** A file is about to be written on the CVM. */
        record FileWriteStarted() implements Event {}

        /** A file write completed, or failed and left nothing behind. */
        record FileWriteEnded() implements Event {}

        /** A file was read back from the CVM for an owner. */
        record FileRead() implements Event {}

        /** The CVM's policy in force changed (whether this change may happen is the policy's own rule, not the lifecycle's). */
        record PolicySet() implements Event {}

        /** A request about the CVM waits for, gained or lost owners' approvals; nothing happened to the CVM yet. */
        record ApprovalChanged() implements Event {}

        /** An authenticated owner's request about the CVM was refused. */
        record RequestRefused() implements Event {}

        /** The owner stopped managing the CVM; {@code from} is the mode it was in. */
        record Stopped(CvmMode from) implements Event {
            public Stopped {
                Objects.requireNonNull(from, "from");
            }
        }

        /** The owner removed the CVM from the list; {@code from} is the mode it was in, which it keeps. */
        record Removed(CvmMode from) implements Event {
            public Removed {
                Objects.requireNonNull(from, "from");
            }
        }
    }

    /** The mode after an event, or why the event cannot happen in the current mode. */
    public sealed interface Outcome {
        record Next(CvmMode mode) implements Outcome {
            public Next {
                Objects.requireNonNull(mode, "mode");
            }
        }

        record Refused(String reason) implements Outcome {
            public Refused {
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    /**
     * The controller's rules: a CVM is created once; evidence is checked and adoption finishes only
     * while it is provisioning; the owner switches only between {@code in-update} and
     * {@code in-service}; commands start and end in either of those (the policy decides which may:
     * {@link dev.duet.protocol.shield.ShieldPolicy}); files are written only in {@code in-update} and
     * read in either; a policy is set while provisioning (the default copied at creation) or
     * operational; approvals change no mode; it fails only while
     * provisioning or operational, and is stopped only when operational or failed. Stopped is final. It
     * is removed from the list only when stopped or failed, and stays in that mode.
     */
    public static Outcome next(Optional<CvmMode> current, Event event) {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(event, "event");
        CvmMode mode = current.orElse(null);
        if (event instanceof Event.Created) {
            return mode == null ? new Outcome.Next(CvmMode.PROVISIONING) : refused("adoption started while " + mode.wire());
        }
        if (mode == null) {
            return refused(describe(event) + " before the CVM existed");
        }
        if (event instanceof Event.Attested) {
            return mode == CvmMode.PROVISIONING ? new Outcome.Next(mode) : refused("attestation while " + mode.wire());
        }
        if (event instanceof Event.Adopted) {
            return mode == CvmMode.PROVISIONING ? new Outcome.Next(CvmMode.IN_UPDATE) : refused("adopted while " + mode.wire());
        }
        if (event instanceof Event.Failed) {
            return mode == CvmMode.PROVISIONING || mode.isOperational() ? new Outcome.Next(CvmMode.FAILED)
                    : refused("failed while " + mode.wire());
        }
        if (event instanceof Event.ModeChanged change) {
            if (!mode.isOperational() || !change.to().isOperational() || change.to() == mode || change.from() != mode) {
                return refused("mode change from " + change.from().wire() + " to " + change.to().wire() + " while " + mode.wire());
            }
            return new Outcome.Next(change.to());
        }
        if (event instanceof Event.CommandStarted || event instanceof Event.CommandEnded || event instanceof Event.FileRead) {
            return mode.isOperational() ? new Outcome.Next(mode) : refused(describe(event) + " while " + mode.wire());
        }
        if (event instanceof Event.FileWriteStarted || event instanceof Event.FileWriteEnded) {
            return mode == CvmMode.IN_UPDATE ? new Outcome.Next(mode) : refused(describe(event) + " while " + mode.wire());
        }
        if (event instanceof Event.PolicySet) {
            return mode == CvmMode.PROVISIONING || mode.isOperational() ? new Outcome.Next(mode) : refused("policy set while " + mode.wire());
        }
        if (event instanceof Event.RequestRefused || event instanceof Event.ApprovalChanged) {
            return new Outcome.Next(mode);
        }
        if (event instanceof Event.Removed removed) {
            return (mode == CvmMode.STOPPED || mode == CvmMode.FAILED) && removed.from() == mode ? new Outcome.Next(mode)
                    : refused("removed from " + removed.from().wire() + " while " + mode.wire());
        }
        Event.Stopped stopped = (Event.Stopped) event;
        if (!(mode.isOperational() || mode == CvmMode.FAILED) || stopped.from() != mode) {
            return refused("stopped from " + stopped.from().wire() + " while " + mode.wire());
        }
        return new Outcome.Next(CvmMode.STOPPED);
    }

    private static String describe(Event event) {
        if (event instanceof Event.Attested) {
            return "attestation";
        }
        if (event instanceof Event.Adopted) {
            return "adoption";
        }
        if (event instanceof Event.Failed) {
            return "failure";
        }
        if (event instanceof Event.ModeChanged) {
            return "mode change";
        }
        if (event instanceof Event.CommandStarted) {
            return "command started";
        }
        if (event instanceof Event.CommandEnded) {
            return "command ended";
        }
        if (event instanceof Event.FileWriteStarted) {
            return "file write started";
        }
        if (event instanceof Event.FileWriteEnded) {
            return "file write ended";
        }
        if (event instanceof Event.FileRead) {
            return "file read";
        }
        if (event instanceof Event.PolicySet) {
            return "policy set";
        }
        if (event instanceof Event.ApprovalChanged) {
            return "approval";
        }
        if (event instanceof Event.RequestRefused) {
            return "refusal";
        }
        if (event instanceof Event.Removed) {
            return "removal";
        }
        return "stop";
    }

    private static Outcome refused(String reason) {
        return new Outcome.Refused(reason);
    }
}
