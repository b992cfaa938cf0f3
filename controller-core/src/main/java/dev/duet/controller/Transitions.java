package dev.duet.controller;

import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The lifecycle ({@link Lifecycle#next}) applied to the stored CVMs: whether an event is refused,
 * the mode it leads to inside the write that records it, and the failure of a CVM, which destroys
 * its key. Every part that changes a CVM asks here, so the controller decides as the verifier
 * replays.
 */
final class Transitions {
    private final SqliteStore store;
    private final Clock clock;

    Transitions(SqliteStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The CVM's row, or the refusal for an id that names none. */
    CvmRow row(String id) throws ControllerException {
        return store.read(h -> CvmRegistry.find(h, id)).orElseThrow(() -> ControllerException.unknownCvm(id));
    }

    /**
     * The id {@code cvm} stands for: itself when it has the form of an id, else the id of the CVM
     * in the list of that name. The forms cannot overlap, as no name may have the form of an id.
     */
    String resolve(String cvm) throws ControllerException {
        if (CvmRef.isId(cvm)) {
            return cvm;
        }
        return store.read(h -> CvmRegistry.idOfName(h, cvm)).orElseThrow(() -> ControllerException.unknownCvm(cvm));
    }

    /** Refuses a name a CVM in the list already has: a name picks out one CVM. Called inside the write that adds the CVM. */
    static void nameFree(Handle h, String name) throws ControllerException {
        if (CvmRegistry.nameListed(h, name)) {
            throw new ControllerException(ControllerException.Kind.CONFLICT, "a CVM named " + name + " is already in the list: names "
                    + "are unique (remove the other one first, or choose another name)");
        }
    }

    /** Appends the payload to the log, on the chain of {@code subject} (none for a log-wide entry). */
    LogEntry append(Transaction tx, String subject, String actor, Payload payload) {
        return tx.append(PayloadCodec.draft(subject, actor, payload), clock.instant());
    }

    static boolean refuses(CvmMode mode, Lifecycle.Event event) {
        return Lifecycle.next(Optional.of(mode), event) instanceof Lifecycle.Outcome.Refused;
    }

    /**
     * The mode the event moves the CVM to, read inside the write that records it. The controller
     * serialises each CVM's work, so a refusal here is a broken invariant, not an owner's mistake.
     */
    static CvmMode advance(Handle h, String id, Lifecycle.Event event) {
        Lifecycle.Outcome outcome = Lifecycle.next(CvmRegistry.find(h, id).map(CvmRow::mode), event);
        if (outcome instanceof Lifecycle.Outcome.Refused refused) {
            throw new IllegalStateException("CVM " + id + ": " + refused.reason());
        }
        return ((Lifecycle.Outcome.Next) outcome).mode();
    }

    /**
     * Marks the CVM failed and destroys its key; the write this runs in returns once the key has left
     * the disk. A CVM that is already stopped or failed stays as it is: its key is gone already.
     */
    Void fail(Transaction tx, String id, String reason) {
        Handle h = tx.handle();
        if (refuses(CvmRegistry.find(h, id).orElseThrow().mode(), new Lifecycle.Event.Failed())) {
            return null;
        }
        append(tx, id, "controller", new Payload.Failed(reason));
        ControllerEvents.failed(id, reason);
        CvmRegistry.setMode(h, id, CvmMode.FAILED, Optional.of(reason));
        CvmRegistry.destroyKey(h, id);
        tx.scrubAfterCommit();
        return null;
    }

    /** The reason a failure records: the exception's message, or its kind when it has none. */
    static String reason(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
