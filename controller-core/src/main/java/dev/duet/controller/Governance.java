package dev.duet.controller;

import dev.duet.controller.Approval.State;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.GovernanceRegistry;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import dev.duet.protocol.entry.Payload;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * k of n owners for governed requests (issue 12, item 3): the switch to {@code in-update}, policy
 * changes and owner key changes. A governed action runs through {@link #govern}; with one owner key
 * required (the default) it runs at once. With k > 1 the request is not carried out: it waits,
 * logged as {@code approval.requested} (on the CVM's chain when it is about a CVM), until k distinct
 * current owners approved it ({@code approval.added} each); the k-th approval carries it out as the
 * owner who made it, with every approver in {@link OwnerId#approvedBy}, so the entry it writes logs
 * them. A request that waits past its expiry is logged {@code approval.expired} and cannot be
 * approved. The action itself is held in memory only: a request still waiting when the controller
 * stops is logged expired at the next start, never carried out later. The body the requester signed
 * waits with it and is served with the pending request, so that the other owners see what they
 * approve (not only its hash); an approval may name the body's hash it saw, and one naming another is
 * refused.
 */
final class Governance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Governance.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A governed action, run with the owner who made the request and every owner who approved it. */
    @FunctionalInterface
    interface Governed<T> {
        T run(OwnerId approved) throws ControllerException;
    }

    /** A waiting request's action and the body its requester signed, as text (the API admits only well-formed UTF-8). */
    private record Waiting(Governed<?> action, String body) {}

    private final SqliteStore store;
    private final OwnerSet owners;
    private final OwnerGate gate;
    private final Transitions transitions;
    private final Clock clock;
    private final Duration expiry;
    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;

    Governance(SqliteStore store, OwnerSet owners, OwnerGate gate, Transitions transitions, Clock clock, Duration expiry) {
        this.transitions = transitions;
        this.store = store;
        this.owners = owners;
        this.gate = gate;
        this.clock = clock;
        this.expiry = expiry;
        expireLeftovers();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duet-approval-expiry");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000, Math.min(expiry.toMillis() / 10, 60_000));
        sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code action} once enough owners approved the request ({@code line} and {@code body},
     * about the CVM {@code cvm} if any); with a threshold of one, at once.
     *
     * @throws ApprovalPending when more owners must approve it: the request now waits, nothing else happened
     */
    <T> T govern(OwnerId owner, OwnerRequest.Line line, byte[] body, Optional<String> cvm, Governed<T> action) throws ControllerException {
        int threshold = owners.threshold();
        if (threshold <= 1) {
            return action.run(owner);
        }
        expireDue();
        String id = "apr-" + HexFormat.of().formatHex(randomBytes(8));
        Instant expires = clock.instant().plus(expiry);
        String path = LoggedText.cut(line.path());
        String bodySha256 = Sha256Hash.of(body).hex();
        String signed = new String(body, StandardCharsets.UTF_8);
        Payload payload = new Payload.ApprovalRequested(id, line.method(), path, bodySha256, expires);
        Approval approval = store.write(tx -> {
            LogEntry entry = transitions.append(tx, cvm.orElse(null), owner.actor(), payload);
            Approval made = new Approval(id, cvm, line.method(), path, bodySha256, owner.keyId(), List.of(owner.keyId()),
                    threshold, expires, State.PENDING, entry.seq(), Optional.empty(), Optional.of(signed));
            GovernanceRegistry.insert(tx.handle(), made);
            return made;
        });
        waiting.put(id, new Waiting(action, signed));
        LOG.info("request {} ({} {}) by owner:{} waits for {} owners' approvals until {}", id, line.method(), approval.path(),
                owner.keyId(), threshold, expires);
        throw new ApprovalPending(approval);
    }

    /** The requests waiting for approvals now, oldest first. */
    List<Approval> pending() {
        expireDue();
        return store.read(h -> GovernanceRegistry.inState(h, State.PENDING)).stream().map(this::shown).toList();
    }

    /** A request by its id, whatever its state. */
    Approval get(String id) throws ControllerException {
        expireDue();
        return shown(store.read(h -> GovernanceRegistry.find(h, id)).orElseThrow(() -> unknown(id)));
    }

    /** {@code approval} with the body its requester signed while it is pending; a request that ended has none. */
    private Approval shown(Approval approval) {
        Waiting w = approval.state() == State.PENDING ? waiting.get(approval.id()) : null;
        return w == null ? approval : approval.withBody(Optional.of(w.body()));
    }

    /**
     * Adds {@code approver}'s approval to the waiting request {@code id}; the k-th carries it out.
     * Refused for an unknown request, one that expired (410) or ended, an owner who already
     * approved it, and an approval that names the hash of a body ({@code sawSha256}) other than the
     * request's: the approver saw something else than what would be carried out (409 conflict).
     */
    ApprovalResult approve(OwnerId approver, String id, Optional<String> sawSha256) throws ControllerException {
        expireDue();
        // One write reads, judges and records the approval: two approvals racing for the k-th cannot both carry it out.
        Approval ready = store.write(tx -> {
            Approval approval = GovernanceRegistry.find(tx.handle(), id).orElseThrow(() -> unknown(id));
            if (approval.state() == State.EXPIRED) {
                throw new ControllerException(Kind.APPROVAL_EXPIRED, "request " + id + " expired (" + approval.outcome().orElse("expired")
                        + "); it was not carried out and can no longer be approved: send it again", approval.cvm());
            }
            if (approval.state() != State.PENDING) {
                throw new ControllerException(Kind.APPROVAL_CLOSED, "request " + id + " is " + approval.state().wire()
                        + ": it takes no more approvals", approval.cvm());
            }
            if (approval.approvedBy().contains(approver.keyId())) {
                throw new ControllerException(Kind.ALREADY_APPROVED, "owner key " + approver.keyId() + " already approved request " + id
                        + ": it needs " + approval.threshold() + " distinct owners", approval.cvm());
            }
            if (sawSha256.isPresent() && !sawSha256.get().equals(approval.bodySha256())) {
                throw new ControllerException(Kind.CONFLICT, "request " + id + " has a body with SHA-256 " + approval.bodySha256()
                        + ", not " + LoggedText.cut(sawSha256.get()) + " as this approval says: the approval is not counted; "
                        + "read the request again (duet approvals show " + id + ")", approval.cvm());
            }
            List<String> approvers = new ArrayList<>(approval.approvedBy());
            approvers.add(approver.keyId());
            Approval added = approval.with(approvers, approvers.size() >= approval.threshold() ? State.APPROVED : State.PENDING,
                    Optional.empty());
            transitions.append(tx, approval.cvm().orElse(null), approver.actor(), new Payload.ApprovalAdded(id));
            GovernanceRegistry.update(tx.handle(), added);
            return added;
        });
        if (ready.state() == State.PENDING) {
            return new ApprovalResult(shown(ready), Optional.empty(), Optional.empty());
        }
        return carryOut(ready, waiting.remove(id).action());
    }

    /** Runs the approved request as the owner who made it; a refusal is logged as that owner's and returned, not thrown. */
    private ApprovalResult carryOut(Approval approved, Governed<?> action) {
        OwnerId as = new OwnerId(approved.requestedBy(), approved.approvedBy());
        try {
            Object result = action.run(as);
            Approval done = approved.with(approved.approvedBy(), State.CARRIED_OUT, Optional.empty());
            store.write(tx -> {
                GovernanceRegistry.update(tx.handle(), done);
                return null;
            });
            return new ApprovalResult(done, Optional.of(result), Optional.empty());
        } catch (ControllerException e) {
            Approval refused = approved.with(approved.approvedBy(), State.REFUSED, Optional.of(e.kind().wire() + ": " + LoggedText.cut(e.getMessage())));
            store.write(tx -> {
                GovernanceRegistry.update(tx.handle(), refused);
                return null;
            });
            gate.recordUnlessLogged(new OwnerRequest.Line(approved.method(), approved.path()), e.cvmId().or(approved::cvm), as.actor(), e);
            return new ApprovalResult(refused, Optional.empty(), Optional.of(e));
        }
    }

    /**
     * Ends every waiting request inside the write that changes the owner keys ({@code tx}): approvals
     * by a removed key must not count, and a threshold that changed would change what they need.
     */
    void cancelAll(Transaction tx, String why) {
        for (Approval approval : GovernanceRegistry.inState(tx.handle(), State.PENDING)) {
            expire(tx, approval, why);
            waiting.remove(approval.id());
        }
    }

    /** Logs as expired every request whose time is up; called before each use and every so often. */
    private void expireDue() {
        long now = clock.instant().getEpochSecond();
        if (!store.read(h -> GovernanceRegistry.anyDue(h, now))) {
            return;
        }
        List<Approval> due = store.write(tx -> {
            List<Approval> ended = GovernanceRegistry.due(tx.handle(), now);
            ended.forEach(approval -> expire(tx, approval, "expired at " + approval.expires()));
            return ended;
        });
        for (Approval approval : due) {
            waiting.remove(approval.id());
            LOG.info("request {} expired with {} of {} approvals", approval.id(), approval.approvedBy().size(), approval.threshold());
        }
    }

    private void sweep() {
        try {
            expireDue();
        } catch (RuntimeException e) {
            LOG.warn("could not expire waiting requests: {}", e.getMessage());
        }
    }

    /**
     * At start: a request that was waiting when the controller stopped has lost its action, which
     * lived in memory; it is logged expired, so nobody can believe it will still be carried out.
     */
    private void expireLeftovers() {
        store.write(tx -> {
            List<Approval> left = new ArrayList<>(GovernanceRegistry.inState(tx.handle(), State.PENDING));
            left.addAll(GovernanceRegistry.inState(tx.handle(), State.APPROVED));
            for (Approval approval : left) {
                if (approval.state() == State.PENDING) {
                    expire(tx, approval, "the controller restarted while it waited");
                } else {
                    GovernanceRegistry.update(tx.handle(), approval.with(approval.approvedBy(), State.INTERRUPTED,
                            Optional.of("the controller stopped while it was carried out")));
                }
            }
            return null;
        });
    }

    private void expire(Transaction tx, Approval approval, String why) {
        transitions.append(tx, approval.cvm().orElse(null), "controller", new Payload.ApprovalExpired(approval.id(), approval.approvedBy()));
        GovernanceRegistry.update(tx.handle(), approval.with(approval.approvedBy(), State.EXPIRED, Optional.of(why)));
    }

    private static ControllerException unknown(String id) {
        return new ControllerException(Kind.UNKNOWN_APPROVAL, "no governed request with id " + id);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
