package dev.duet.controller;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The end of a CVM's custody, each step under the CVM's lock: stopping it (its key destroyed and
 * scrubbed) and then removing it from the list (its history kept). See {@link Controller#stop} and
 * {@link Controller#remove}.
 */
final class EndOfCustody {
    private final SqliteStore store;
    private final Transitions transitions;
    private final SessionPool pool;
    private final Map<ProviderKind, Provider> providers;

    EndOfCustody(SqliteStore store, Transitions transitions, SessionPool pool, Map<ProviderKind, Provider> providers) {
        this.store = store;
        this.transitions = transitions;
        this.pool = pool;
        this.providers = providers;
    }

    CvmView stop(OwnerId owner, String id) throws ControllerException {
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            if (Transitions.refuses(row.mode(), new Lifecycle.Event.Stopped(row.mode()))) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire() + " and cannot be stopped now", Optional.of(id));
            }
            boolean vmStopped = providers.get(row.provider()).stop(id);
            pool.close(id);
            Payload payload = new Payload.Stopped(row.mode(), vmStopped);
            CvmView stopped = store.write(tx -> {
                transitions.append(tx, id, owner.actor(), payload);
                CvmRegistry.setMode(tx.handle(), id, CvmMode.STOPPED, Optional.empty());
                CvmRegistry.destroyKey(tx.handle(), id);
                tx.scrubAfterCommit();
                return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
            });
            ControllerEvents.modeChanged(id, row.mode(), CvmMode.STOPPED);
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    CvmView remove(OwnerId owner, String id) throws ControllerException {
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            if (row.removed()) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is already removed from the list", Optional.of(id));
            }
            if (Transitions.refuses(row.mode(), new Lifecycle.Event.Removed(row.mode()))) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire() + ": only a stopped or failed CVM "
                        + "can be removed from the list (stop it first)", Optional.of(id));
            }
            return store.write(tx -> {
                LogEntry entry = transitions.append(tx, id, owner.actor(), new Payload.Removed(row.mode()));
                CvmRegistry.removed(tx.handle(), id, entry.seq());
                return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
            });
        } finally {
            lock.unlock();
        }
    }
}
