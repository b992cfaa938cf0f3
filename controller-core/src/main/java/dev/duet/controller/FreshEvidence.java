package dev.duet.controller;

import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.log.EntryCodec;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.Nonce;
import dev.duet.protocol.entry.Payload;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * What fresh reports from CVMs in custody (DESIGN §3.6, §4) need besides their provider, which asks
 * for and checks each one: the nonce rule, the head of the CVM's log they bind
 * ({@link CvmFreshBinding}), one report at a time per CVM (a second request is refused at once with
 * Retry-After rather than queued), and the form in which the switch to in-service logs one.
 */
final class FreshEvidence {
    static final Duration RETRY = Duration.ofSeconds(2);
    /** How long a fresh report waits for the CVM's current operation before it is refused as busy. */
    static final Duration WAIT = Duration.ofSeconds(5);

    private final SqliteStore store;
    private final Set<String> reporting = ConcurrentHashMap.newKeySet();

    FreshEvidence(SqliteStore store) {
        this.store = store;
    }

    static String validNonce(String nonce) throws ControllerException {
        if (!Nonce.valid(nonce)) {
            throw ControllerException.invalid("nonce must be " + Nonce.RULE);
        }
        return nonce;
    }

    /** Claims the CVM's one report slot, or refuses at once: the caller releases it with {@link #release}. */
    void claim(String id) throws ControllerException {
        if (!reporting.add(id)) {
            throw ControllerException.cvmEvidenceBusy(id, RETRY);
        }
    }

    void release(String id) {
        reporting.remove(id);
    }

    /** The head of the CVM's own chain now: how many entries it has and the hash of the last. */
    CvmFreshBinding.LogHead head(String id) {
        return store.read(h -> head(h, id));
    }

    /** Two index lookups, not the history: a fresh report, a bundle with a nonce and the in-service switch all ask. */
    static CvmFreshBinding.LogHead head(Handle h, String id) {
        Sha256Hash last = SqliteAuditLog.subjectEntryBefore(h, id, Long.MAX_VALUE).map(EntryCodec::hash).orElse(Sha256Hash.ZERO);
        return new CvmFreshBinding.LogHead(SqliteAuditLog.subjectSize(h, id), Octets.copyOf(last.toByteArray()));
    }

    /** The fresh report as the switch to in-service logs it, with the head it covers. */
    static Payload.ReAttestation.Fresh logged(FreshCvmEvidence fresh) {
        return new Payload.ReAttestation.Fresh(fresh.source(), fresh.simulated(), fresh.trust(), fresh.nonce(), fresh.logHead().size(),
                fresh.logHead().hash(), fresh.reportData(), fresh.evidence(), fresh.endorsement(), fresh.checks());
    }

    /**
     * The switch to in-service re-attests the CVM (DESIGN §4): a fresh report bound to the head of
     * its log just before the switch, checked, is logged with the switch. If it cannot be had or
     * does not verify, the switch is refused (the CVM stays in-update) and the owner gate logs the
     * refusal. A machine adopted over SSH has no TEE interface to ask: its switch proceeds and its
     * entry says that no fresh evidence exists, so users see the difference.
     */
    Payload.ReAttestation reAttest(dev.duet.controller.internal.CvmRegistry.CvmRow row, Provider provider) throws ControllerException {
        if (row.provider() == ProviderKind.SSH) {
            return new Payload.ReAttestation.Unavailable(SshProvider.NO_FRESH_EVIDENCE);
        }
        claim(row.id());
        try {
            byte[] random = new byte[16];
            NONCES.nextBytes(random);
            String nonce = "in-service-" + java.util.HexFormat.of().formatHex(random);
            return logged(provider.freshEvidence(row, nonce, head(row.id())));
        } finally {
            release(row.id());
        }
    }

    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    /** See {@link Controller#freshEvidence}: a report from the CVM {@code id} through its provider, one at a time. */
    FreshCvmEvidence report(String id, String nonce, Transitions transitions, SessionPool pool, Map<ProviderKind, Provider> providers)
            throws ControllerException {
        String validNonce = validNonce(nonce);
        transitions.row(id);
        claim(id);
        ReentrantLock lock = pool.lockOf(id);
        boolean locked = false;
        try {
            locked = lock.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (!locked) {
                throw ControllerException.cvmEvidenceBusy(id, RETRY);
            }
            CvmRow row = transitions.row(id);
            if (!row.mode().isOperational()) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire()
                        + ": only a running CVM (in-update or in-service) can make a fresh report", Optional.of(id));
            }
            return providers.get(row.provider()).freshEvidence(row, validNonce, head(id));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ControllerException.cvmEvidenceBusy(id, RETRY);
        } finally {
            // The slot before the lock: whoever takes the lock next (a switch to in-service) finds the slot free.
            release(id);
            if (locked) {
                lock.unlock();
            }
        }
    }
}
