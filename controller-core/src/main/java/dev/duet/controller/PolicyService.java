package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.internal.GovernanceRegistry;
import dev.duet.controller.internal.PolicyRegistry;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.MalformedJsonException;
import dev.duet.protocol.StrictJson;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.Action;
import dev.duet.protocol.shield.Decision;
import dev.duet.protocol.shield.RemotePath;
import dev.duet.protocol.shield.ShieldPolicy;
import dev.duet.provisioner.ssh.RemoteCommand;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The command policies as owners set them and the controller applies them (issue 12,
 * docs/policy.md): each CVM starts with the controller-wide default in force when it was created
 * ({@code policy.set} version 1, origin {@code default}, in the write that creates it); an owner
 * replaces a CVM's policy or the default through {@link Governance}, each change logged whole; a
 * change that widens a CVM's policy is refused while the CVM is in-service, where only narrowing is
 * allowed. A CVM's policy changes under the CVM's lock, so every decision and the entry that logs it
 * see one policy.
 */
final class PolicyService {
    private final SqliteStore store;
    private final Transitions transitions;
    private final SessionPool pool;
    private final Policies policies;
    private final Governance governance;
    private final OwnerGate gate;

    PolicyService(SqliteStore store, Transitions transitions, SessionPool pool, Policies policies, Governance governance, OwnerGate gate) {
        this.gate = gate;
        this.store = store;
        this.transitions = transitions;
        this.pool = pool;
        this.policies = policies;
        this.governance = governance;
    }

    /**
     * Inside the write that appends a new CVM's first entry: puts the controller-wide default in
     * force for it, logged as its policy version 1, so the CVM's own chain says from its start what
     * the owner may do on it, whatever later happens to the default.
     */
    void copyDefault(Transaction tx, String id) {
        PolicyInForce source = policies.defaultPolicy(tx.handle());
        LogEntry entry = transitions.append(tx, id, "controller", Payload.PolicySet.fromDefault(1, source.policy(), source.sha256()));
        Policies.store(tx.handle(), id, 1, entry.seq(), source.policy());
    }

    /** The CVM's policy in force, as of now. */
    PolicyInForce of(String id) throws ControllerException {
        transitions.row(id);
        return store.read(h -> policies.inForce(h, id));
    }

    /** The controller-wide default, as of now. */
    PolicyInForce defaultPolicy() {
        return store.read(policies::defaultPolicy);
    }

    /** What an owner asked for, as a refusal names it: the argv of a command, or the path of a file and the verb. */
    sealed interface Asked {
        record Command(List<String> argv) implements Asked {}

        record File(String verb, RemotePath path) implements Asked {}
    }

    /** An action the policy in force allows: the decision, and the policy (whose limits the action may need). */
    record Allowed(Decision decision, PolicyInForce policy) {}

    /**
     * The policy in force's decision on {@code action} for the CVM {@code row} in its mode now; the
     * caller holds the CVM's lock. A refusal is logged on the CVM's chain with what was {@code asked}
     * and the rule, then thrown: what no rule allows in-service, and anything on a CVM that is not
     * running, stays {@code mode-forbids} (clients rely on it); what a rule or a limit refuses is
     * {@code policy-denies}.
     */
    Allowed allow(OwnerId owner, OwnerRequest.Line line, CvmRow row, Action action, Asked asked) throws ControllerException {
        PolicyInForce policy = store.read(h -> policies.inForce(h, row.id()));
        Decision decision = policy.policy().decide(row.mode(), action);
        if (decision.allowed()) {
            return new Allowed(decision, policy);
        }
        boolean byMode = decision.rule().equals(Decision.DEFAULT_IN_SERVICE) || decision.rule().equals(Decision.NOT_OPERATIONAL);
        String why = asked instanceof Asked.File file ? file.verb() + " " + file.path() + " is refused by " + decision.rule() + " ("
                + decision.reason() + ")" : decision.rule().equals(Decision.NOT_OPERATIONAL) ? "nothing runs on it" : decision.reason();
        ControllerException refusal = new ControllerException(byMode ? Kind.MODE_FORBIDS : Kind.POLICY_DENIES, "CVM " + row.id() + " is "
                + row.mode().wire() + ": " + why, Optional.of(row.id()));
        gate.recordActionRefusal(row.id(), owner, line, asked instanceof Asked.Command c ? Optional.of(c.argv()) : Optional.empty(),
                asked instanceof Asked.File f ? Optional.of(f.path().value()) : Optional.empty(), decision.rule(), refusal);
        throw refusal;
    }

    /** Sets the CVM's policy from the owner's body, once governance approves; see the class comment. */
    PolicyInForce set(OwnerId owner, OwnerRequest.Line line, byte[] body, String id) throws ControllerException {
        ShieldPolicy policy = parse(body);
        // Judged now, so that a change that cannot be made is refused at once rather than waiting for approvals; again when carried out.
        refusal(transitions.row(id), policy);
        return governance.govern(owner, line, body, Optional.of(id), approved -> setNow(approved, id, policy));
    }

    /** The policy in force on {@code row}'s CVM, or a conflict when its mode lets no policy be set or {@code policy} widens it in-service. */
    private PolicyInForce refusal(CvmRow row, ShieldPolicy policy) throws ControllerException {
        String id = row.id();
        if (Transitions.refuses(row.mode(), new dev.duet.protocol.Lifecycle.Event.PolicySet())) {
            throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire() + "; its policy cannot change",
                    Optional.of(id));
        }
        PolicyInForce current = store.read(h -> policies.inForce(h, id));
        if (row.mode() == CvmMode.IN_SERVICE) {
            Optional<String> widening = ShieldPolicy.widening(current.policy(), policy);
            if (widening.isPresent()) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is in-service, where its policy may only narrow, and this "
                        + "change widens it: " + widening.get() + " (switch to in-update to widen it)", Optional.of(id));
            }
        }
        return current;
    }

    private PolicyInForce setNow(OwnerId owner, String id, ShieldPolicy policy) throws ControllerException {
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            PolicyInForce current = refusal(transitions.row(id), policy);
            long version = current.version() + 1;
            String sha256 = PolicyCodec.sha256(policy);
            return store.write(tx -> {
                LogEntry entry = transitions.append(tx, id, owner.actor(), Payload.PolicySet.byOwner(version, policy, sha256,
                        owner.approvedBy(), GovernanceRegistry.ownersEntry(tx.handle())));
                Policies.store(tx.handle(), id, version, entry.seq(), policy);
                return new PolicyInForce(version, policy, sha256, OptionalLong.of(entry.seq()));
            });
        } finally {
            lock.unlock();
        }
    }

    /** Sets the controller-wide default for CVMs created from now on (log-wide), once governance approves. */
    PolicyInForce setDefault(OwnerId owner, OwnerRequest.Line line, byte[] body) throws ControllerException {
        ShieldPolicy policy = parse(body);
        return governance.govern(owner, line, body, Optional.empty(), approved -> {
            String sha256 = PolicyCodec.sha256(policy);
            return store.write(tx -> {
                long version = policies.defaultPolicy(tx.handle()).version() + 1;
                LogEntry entry = transitions.append(tx, null, approved.actor(), new Payload.DefaultPolicySet(version, policy, sha256,
                        approved.approvedBy(), GovernanceRegistry.ownersEntry(tx.handle())));
                Policies.store(tx.handle(), PolicyRegistry.DEFAULT_SCOPE, version, entry.seq(), policy);
                return new PolicyInForce(version, policy, sha256, OptionalLong.of(entry.seq()));
            });
        });
    }

    /**
     * The policy an owner sent, or 400. Its commands on leaving service must each be sendable as the
     * commands route requires ({@link RemoteCommand#requireSendable}): the limit is the SSH servers'
     * (cvm-provisioner), which PolicyCodec in controller-protocol, read by verifiers that send
     * nothing, does not depend on; so it is judged here, where the controller accepts a policy.
     */
    private static ShieldPolicy parse(byte[] body) throws ControllerException {
        ShieldPolicy policy;
        try {
            policy = PolicyCodec.decode("policy", StrictJson.read(body));
        } catch (MalformedJsonException | MalformedPayloadException e) {
            throw invalid(e.getMessage());
        }
        Optional<String> unmatchable = policy.unmatchablePattern();
        if (unmatchable.isPresent()) {
            throw invalid("policy: " + unmatchable.get());
        }
        List<List<String>> leaving = policy.onLeavingService();
        for (int i = 0; i < leaving.size(); i++) {
            try {
                RemoteCommand.requireSendable(leaving.get(i));
            } catch (IllegalArgumentException e) {
                throw invalid("policy.on_leaving_service[" + i + "] cannot be sent: " + e.getMessage());
            }
        }
        return policy;
    }
}
