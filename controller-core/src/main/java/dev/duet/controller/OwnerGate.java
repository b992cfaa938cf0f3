package dev.duet.controller;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate every owner action passes: authentication, and the logging of what it refuses. A refusal
 * of an authenticated owner is appended to the log (DESIGN §3.4) before it is rethrown; a refusal
 * before the sender is authenticated is only counted, and the counts go to the log as one summary
 * per refusal window, so that nobody can fill the log without an owner key.
 */
final class OwnerGate implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnerGate.class);

    private final SqliteStore store;
    private final ControllerConfig config;
    private final OwnerAuthenticator authenticator;
    private final UnauthenticatedRefusals unauthenticated;
    private final ScheduledExecutorService summaries;

    /** {@code controllerKeyId}: this controller's, which every owner request must be signed for. */
    OwnerGate(SqliteStore store, OwnerSet owners, String controllerKeyId, ControllerConfig config) {
        this.store = store;
        this.config = config;
        this.authenticator = new OwnerAuthenticator(store, owners, controllerKeyId, config.clock(), config.signatureWindow(),
                config.limits());
        this.unauthenticated = new UnauthenticatedRefusals(config.limits(), config.clock());
        this.summaries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duet-refusal-summary");
            t.setDaemon(true);
            return t;
        });
        long window = config.limits().refusalWindow().toMillis();
        summaries.scheduleAtFixedRate(this::appendRefusalSummary, window, window, TimeUnit.MILLISECONDS);
    }

    /** See {@link Controller#asOwner}. */
    <T> T asOwner(OwnerRequest request, BodySource body, Controller.OwnerAction<T> action) throws ControllerException {
        OwnerAuthenticator.Admitted admitted;
        try {
            admitted = authenticator.admit(request, body);
        } catch (ControllerException e) {
            throw unauthenticated.refused(request, e);
        }
        OwnerId owner = admitted.owner();
        try {
            return action.run(owner, admitted.body());
        } catch (ControllerException e) {
            recordUnlessLogged(request.line(), e.cvmId().or(() -> request.cvm().flatMap(this::existing)), owner.actor(), e);
            throw e;
        }
    }

    /** See {@link Controller#refusedUnauthenticated}. */
    ControllerException refusedUnauthenticated(OwnerRequest request, ControllerException refusal) {
        return unauthenticated.refused(request, refusal);
    }

    /**
     * Logs, on the CVM's chain, the refusal of an action because of the CVM's mode or its policy:
     * the argv or file path it asked for and the rule (or built-in decision) that refused it.
     */
    void recordActionRefusal(String id, OwnerId owner, OwnerRequest.Line line, Optional<List<String>> argv, Optional<String> file,
            String rule, ControllerException refusal) {
        Payload payload = new Payload.RequestRefused(line.method(), LoggedText.cut(line.path()), refusal.kind().wire(),
                LoggedText.cut(refusal.getMessage()), argv, file.map(LoggedText::cut), Optional.of(rule));
        store.write(tx -> tx.append(PayloadCodec.draft(id, owner.actor(), payload), config.clock().instant()));
        ControllerEvents.refused(owner.actor(), id, refusal);
    }

    /**
     * Logs the refusal of an authenticated owner's request {@code line}, on the chain of the CVM
     * {@code subject} if it concerns one, else log-wide; also for a governed request that was
     * refused when its last approval came ({@link Governance}), under the owner who made it. The
     * refusals an action logs itself are left alone: a mode or policy refusal with what it refused
     * ({@link #recordActionRefusal}), a failed target as its own entry.
     */
    void recordUnlessLogged(OwnerRequest.Line line, Optional<String> subject, String actor, ControllerException refusal) {
        if (refusal.kind() == Kind.MODE_FORBIDS || refusal.kind() == Kind.POLICY_DENIES || refusal.kind() == Kind.TARGET_FAILED) {
            return;
        }
        Payload.RequestRefused payload = new Payload.RequestRefused(line.method(), LoggedText.cut(line.path()), refusal.kind().wire(),
                LoggedText.cut(refusal.getMessage()), Optional.empty());
        store.write(tx -> tx.append(PayloadCodec.draft(subject.orElse(null), actor, payload), config.clock().instant()));
        ControllerEvents.refused(actor, subject.orElse(null), refusal);
    }

    /** Appends the refusal summary of the window that just ended, if anything was refused in it. */
    private void appendRefusalSummary() {
        try {
            unauthenticated.drain().ifPresent(summary -> store.write(tx -> tx.append(PayloadCodec.draft(null, "controller", summary), config.clock().instant())));
        } catch (RuntimeException e) {
            LOG.warn("could not append the refusal summary: {}", e.getMessage());
        }
    }

    /** The id of the CVM {@code cvm} names (its id or its name in the list), if there is one: a refusal is on a CVM's chain only if that CVM exists. */
    private Optional<String> existing(String cvm) {
        if (!CvmRef.isId(cvm)) {
            return store.read(h -> CvmRegistry.idOfName(h, cvm));
        }
        return store.read(h -> CvmRegistry.find(h, cvm)).map(CvmRow::id);
    }

    /** Stops the summary schedule and appends the last window's summary; the store must still be open. */
    @Override
    public void close() {
        summaries.shutdownNow();
        try {
            summaries.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        appendRefusalSummary();
    }
}
