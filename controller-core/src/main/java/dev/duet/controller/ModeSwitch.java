package dev.duet.controller;

import dev.duet.attestation.CvmFreshBinding;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.internal.GovernanceRegistry;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A CVM's switch between {@code in-update} and {@code in-service}, under the CVM's lock; the switch
 * to {@code in-service} re-attests the CVM first ({@link FreshEvidence#reAttest}) and logs the
 * report with the switch. The switch to {@code in-update} runs the commands the CVM's policy names
 * for leaving service right after it, under the same lock, all of them even if one fails (issue 12,
 * item 4). See {@link Controller#setMode}.
 */
final class ModeSwitch {
    private final SqliteStore store;
    private final Transitions transitions;
    private final SessionPool pool;
    private final FreshEvidence fresh;
    private final Map<ProviderKind, Provider> providers;
    private final PolicyService policies;
    private final CommandService commands;

    ModeSwitch(SqliteStore store, Transitions transitions, SessionPool pool, FreshEvidence fresh, Map<ProviderKind, Provider> providers,
            PolicyService policies, CommandService commands) {
        this.policies = policies;
        this.commands = commands;
        this.store = store;
        this.transitions = transitions;
        this.pool = pool;
        this.fresh = fresh;
        this.providers = providers;
    }

    /**
     * An owner's switch as requested ({@code line}, {@code body}): leaving {@code in-service} is
     * governed (k of n owners, {@link Governance}), judged under the CVM's lock so that the CVM
     * cannot reach {@code in-service} between the judgement and the switch; carried out later, it
     * is judged again then.
     */
    ModeChange requested(OwnerId owner, OwnerRequest.Line line, byte[] body, String id, CvmMode target, Governance governance)
            throws ControllerException {
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            if (target == CvmMode.IN_UPDATE && transitions.row(id).mode() == CvmMode.IN_SERVICE) {
                return governance.govern(owner, line, body, Optional.of(id), approved -> set(approved, id, CvmMode.IN_UPDATE));
            }
            return set(owner, id, target);
        } finally {
            lock.unlock();
        }
    }

    ModeChange set(OwnerId owner, String id, CvmMode target) throws ControllerException {
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            if (row.mode() == target) {
                return new ModeChange(row.view(), false, OptionalLong.empty(), List.of());
            }
            if (Transitions.refuses(row.mode(), new Lifecycle.Event.ModeChanged(row.mode(), target))) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire() + "; its mode cannot change", Optional.of(id));
            }
            if (target == CvmMode.IN_SERVICE) {
                providers.get(row.provider()).refuseBypass(row);
            }
            Optional<Payload.ReAttestation> reAttestation = target == CvmMode.IN_SERVICE ? Optional.of(fresh.reAttest(row, providers.get(row.provider())))
                    : Optional.empty();
            Optional<ModeChange> changed = store.write(tx -> {
                // The report covers the head just before this entry; a refusal logged meanwhile on the CVM's chain (the owner
                // gate does not take the CVM's lock) would make it cover an earlier one, which the verifier refuses.
                if (reAttestation.orElse(null) instanceof Payload.ReAttestation.Fresh covered
                        && !FreshEvidence.head(tx.handle(), id).equals(new CvmFreshBinding.LogHead(covered.logSize(), covered.logHead()))) {
                    return Optional.<ModeChange>empty();
                }
                Payload payload = target == CvmMode.IN_UPDATE
                        ? Payload.ModeChanged.toInUpdate(row.mode(), owner.approvedBy(), GovernanceRegistry.ownersEntry(tx.handle()))
                        : new Payload.ModeChanged(row.mode(), target, reAttestation, owner.approvedBy(), OptionalLong.empty());
                LogEntry entry = transitions.append(tx, id, owner.actor(), payload);
                CvmRegistry.setMode(tx.handle(), id, target, Optional.empty());
                return Optional.of(new ModeChange(CvmRegistry.find(tx.handle(), id).orElseThrow().view(), true, OptionalLong.of(entry.seq()),
                        List.of()));
            });
            ModeChange done = changed.orElseThrow(() -> new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + id + "'s log moved "
                    + "while it was re-attested; switch again", Optional.of(id)));
            ControllerEvents.modeChanged(id, row.mode(), target);
            if (target != CvmMode.IN_UPDATE) {
                return done;
            }
            // Still under the lock: nobody's command or file can come between the switch and these, as the verifier checks.
            List<List<String>> leaving = policies.of(id).policy().onLeavingService();
            List<LeavingCommand> ran = new ArrayList<>();
            CvmRow updating = transitions.row(id);
            for (int i = 0; i < leaving.size(); i++) {
                ran.add(commands.leaving(updating, i, leaving.get(i)));
            }
            return new ModeChange(done.cvm(), true, done.logIndex(), ran);
        } finally {
            lock.unlock();
        }
    }
}
