package dev.duet.protocol;

import dev.duet.log.LogEntry;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.shield.Action;
import dev.duet.protocol.shield.Decision;
import dev.duet.protocol.shield.RemotePath;
import dev.duet.protocol.shield.ShieldPolicy;
import java.util.List;
import java.util.Optional;

/**
 * The policy's side of a replay (issue 12, docs/policy.md): each decision a CVM's history records,
 * judged again against the policy in force at that point and the mode the CVM was in (the codec
 * already refused a policy whose logged hash is not its own). A command or
 * file transfer must be one the policy allows there, by the rule it logged; a refusal that names a
 * rule must be that rule's refusal; a policy change must follow the last (next version, the hash
 * of what it logs) and may not widen it while in-service; after a switch to {@code in-update} the
 * policy's commands run on leaving service come first, in order, by the controller. Pure: what it
 * cannot judge (a refusal's upload size, which the refusal does not log) it leaves alone.
 */
final class PolicyReplay {
    private static final String CONTROLLER = "controller";

    private PolicyReplay() {}

    /** Why {@code payload}, the next entry of the history {@code replay} has read so far, breaks the policy; empty when it does not. */
    static Optional<String> judge(CvmHistory.Replay replay, LogEntry entry, Payload payload) {
        CvmMode mode = replay.mode().orElse(CvmMode.PROVISIONING);
        CvmHistory.Policy policy = replay.policy();
        if (replay.leavingOwed().isPresent() && !(payload instanceof Payload.CommandStarted || payload instanceof Payload.RequestRefused
                || payload instanceof Payload.CommandCompleted || payload instanceof Payload.CommandFailed
                || payload instanceof Payload.Failed || payload instanceof Payload.Stopped || payload instanceof Payload.ApprovalEntry)) {
            return Optional.of(skipped(replay, payload.kind().wire()));
        }
        if (payload instanceof Payload.CommandStarted command) {
            return command(replay, entry, command, mode);
        }
        if (payload instanceof Payload.FileWriteStarted write) {
            return path(write.path()).or(() -> allowed(policy, mode,
                    new Action.Write(new RemotePath(write.path()), write.bytes()), write.rule(), "writing " + write.path()));
        }
        if (payload instanceof Payload.FileRead read) {
            return path(read.path()).or(() -> allowed(policy, mode, new Action.Read(new RemotePath(read.path())), read.rule(),
                    "reading " + read.path()));
        }
        if (payload instanceof Payload.RequestRefused refused && refused.rule().isPresent()) {
            return refusal(policy, mode, refused);
        }
        if (payload instanceof Payload.PolicySet set) {
            return policySet(policy, mode, set);
        }
        return Optional.empty();
    }

    private static Optional<String> command(CvmHistory.Replay replay, LogEntry entry, Payload.CommandStarted command, CvmMode mode) {
        CvmHistory.Policy policy = replay.policy();
        if (replay.leavingOwed().isPresent()) {
            int i = replay.leavingOwed().getAsInt();
            List<String> owed = policy.policy().onLeavingService().get(i);
            String rule = Decision.ON_LEAVING_SERVICE + i;
            if (!entry.actor().equals(CONTROLLER) || !command.rule().equals(Optional.of(rule)) || !command.argv().equals(owed)) {
                return Optional.of(skipped(replay, "command " + command.argv() + " by " + entry.actor()));
            }
            return Optional.empty();
        }
        if (command.rule().filter(r -> r.startsWith(Decision.ON_LEAVING_SERVICE)).isPresent() || entry.actor().equals(CONTROLLER)) {
            return Optional.of("command " + command.argv() + " is logged as run by the controller on leaving service, but no switch to "
                    + "in-update owes one");
        }
        if (command.rule().isEmpty()) {
            // Written before policies: allowed only as the built-in default allows (in-update), and only while no policy was set.
            if (mode != CvmMode.IN_UPDATE) {
                return Optional.of("command " + command.argv() + " ran " + mode.wire() + " without the rule that allowed it");
            }
            return policy.version() > 0 ? Optional.of("command " + command.argv() + " names no rule, but policy version "
                    + policy.version() + " is in force") : Optional.empty();
        }
        return allowed(policy, mode, new Action.Exec(command.argv()), command.rule().get(), "command " + command.argv());
    }

    /** The decision on {@code action} is to allow it, by {@code rule}. */
    private static Optional<String> allowed(CvmHistory.Policy policy, CvmMode mode, Action action, String rule, String what) {
        Decision decision = policy.policy().decide(mode, action);
        if (!decision.allowed()) {
            return Optional.of(what + " ran " + mode.wire() + " although policy version " + policy.version() + " refuses it ("
                    + decision.rule() + ": " + decision.reason() + ")");
        }
        if (!decision.rule().equals(rule)) {
            return Optional.of(what + " is logged as allowed by " + rule + ", but policy version " + policy.version()
                    + " allows it by " + decision.rule());
        }
        return Optional.empty();
    }

    /**
     * A refusal naming a rule is that rule's refusal of what it names. Refusals change nothing on the
     * CVM, so one that cannot be judged again (a path cut short in the log, an upload's size, which
     * the refusal does not log) is left as it is.
     */
    private static Optional<String> refusal(CvmHistory.Policy policy, CvmMode mode, Payload.RequestRefused refused) {
        String rule = refused.rule().get();
        Action action;
        if (refused.argv().isPresent() && !refused.argv().get().isEmpty()) {
            action = new Action.Exec(refused.argv().get());
        } else if (refused.file().isPresent() && RemotePath.problem(refused.file().get()) == null) {
            RemotePath path = new RemotePath(refused.file().get());
            if (refused.method().equals("POST")) {
                if (rule.equals(Decision.UPLOAD_LIMIT)) {
                    return Optional.empty();
                }
                action = new Action.Write(path, 0);
            } else {
                action = new Action.Read(path);
            }
        } else if (refused.file().isPresent()) {
            return Optional.empty();
        } else {
            return Optional.of("a refusal by " + rule + " names neither a command nor a file");
        }
        Decision decision = policy.policy().decide(mode, action);
        if (decision.allowed() || !decision.rule().equals(rule)) {
            return Optional.of("a refusal is logged as by " + rule + ", but policy version " + policy.version() + " "
                    + (decision.allowed() ? "allows" : "refuses") + " it " + mode.wire() + " by " + decision.rule());
        }
        return Optional.empty();
    }

    private static Optional<String> policySet(CvmHistory.Policy policy, CvmMode mode, Payload.PolicySet set) {
        if (set.origin().equals(Payload.PolicySet.ORIGIN_DEFAULT) && set.version() != 1) {
            return Optional.of("policy version " + set.version() + " claims to be the controller's default, which only version 1 is");
        }
        if (set.version() != policy.version() + 1) {
            return Optional.of("policy version " + set.version() + " follows version " + policy.version());
        }
        if (mode == CvmMode.IN_SERVICE) {
            Optional<String> widening = ShieldPolicy.widening(policy.policy(), set.policy());
            if (widening.isPresent()) {
                return Optional.of("policy version " + set.version() + " was set in-service although it widens version "
                        + policy.version() + ": " + widening.get());
            }
        }
        return Optional.empty();
    }

    /** Why a path logged for a file transfer is not one the controller transfers, if it is not. */
    private static Optional<String> path(String path) {
        return Optional.ofNullable(RemotePath.problem(path)).map(p -> "a file transfer logs a path the controller never uses: " + p);
    }

    private static String skipped(CvmHistory.Replay replay, String what) {
        int i = replay.leavingOwed().getAsInt();
        return what + " came before command " + i + " the policy runs on leaving service ("
                + replay.policy().policy().onLeavingService().get(i) + ")";
    }
}
