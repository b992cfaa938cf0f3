package dev.duet.controller;

import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.Verdict;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.attest.EvidenceSource;
import dev.duet.provisioner.attest.HostKeyAttestation;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshFailure;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Fresh reports from CVMs in custody (DESIGN §3.6, §4): REPORT_DATA is the {@link CvmFreshBinding}
 * of the CVM's logged host key, a nonce and the head of the CVM's log, asked for over the session
 * pinned to that key, from the source that attested the CVM at launch. The guest's answer is a
 * claim until it is checked here: its REPORT_DATA must be the one asked for and the report must pass
 * the same appraisal as at launch (roots, signature, MEASUREMENT). One report at a time per CVM;
 * a second request is refused at once with Retry-After rather than queued.
 */
final class FreshEvidence {
    static final Duration RETRY = Duration.ofSeconds(2);
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final SqliteStore store;
    private final Clock clock;
    private final Set<String> reporting = ConcurrentHashMap.newKeySet();

    FreshEvidence(SqliteStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    static String validNonce(String nonce) throws ControllerException {
        if (nonce == null || !NONCE.matcher(nonce).matches()) {
            throw ControllerException.invalid("nonce must be 1-128 characters of letters, digits, '-' or '_'");
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

    static CvmFreshBinding.LogHead head(Handle h, String id) {
        List<LogEntry> entries = SqliteAuditLog.subjectEntries(h, id);
        Sha256Hash last = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
        return new CvmFreshBinding.LogHead(entries.size(), Octets.copyOf(last.toByteArray()));
    }

    /**
     * A report from {@code source} over {@code session} (pinned to the CVM's logged host key) for
     * {@code nonce} and {@code head}, checked. Refused when the CVM gives none
     * ({@link Kind#CVM_EVIDENCE_UNAVAILABLE}) or one that does not bind or verify
     * ({@link Kind#CVM_EVIDENCE_REJECTED}); the reason says which.
     */
    FreshCvmEvidence obtain(CvmRow row, EvidenceSource source, SessionSupplier session, String nonce, CvmFreshBinding.LogHead head)
            throws ControllerException {
        String hostKey = row.hostKey().orElseThrow(() -> new ControllerException(Kind.CONFLICT, "CVM " + row.id()
                + " has no pinned host key", Optional.of(row.id())));
        byte[] blob = Base64.getDecoder().decode(hostKey.split(" ")[1]);
        Octets reportData = CvmFreshBinding.reportData(blob, nonce, head);
        EvidenceSource.Attested attested;
        try {
            attested = source.freshReport(session.get(), reportData.toByteArray());
        } catch (IOException e) {
            throw new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + row.id() + " gave no fresh report: "
                    + Transitions.reason(e), Optional.of(row.id()));
        }
        Octets evidence = Octets.copyOf(attested.report());
        Check binding = CvmFreshBinding.verify(evidence, blob, nonce, head);
        if (!binding.passed()) {
            throw rejected(row.id(), binding.describe());
        }
        Verdict verdict;
        try {
            verdict = HostKeyAttestation.verify(source.trust(), attested, reportData, source.expectedMeasurement(), clock.instant());
        } catch (IOException e) {
            throw rejected(row.id(), Transitions.reason(e));
        }
        if (!verdict.accepted()) {
            throw rejected(row.id(), String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
        }
        List<String> checks = new ArrayList<>();
        checks.add(binding.describe());
        verdict.checks().forEach(c -> checks.add(c.describe()));
        return new FreshCvmEvidence(row.id(), source.name(), source.simulated(), verdict.evidence(), nonce, hostKey, head, reportData,
                evidence, Octets.copyOf(attested.endorsement()), checks, clock.instant());
    }

    /** The fresh report as the switch to in-service logs it, with the head it covers. */
    static Payload.ReAttestation.Fresh logged(FreshCvmEvidence fresh) {
        return new Payload.ReAttestation.Fresh(fresh.source(), fresh.simulated(), fresh.trust(), fresh.nonce(), fresh.logHead().size(),
                fresh.logHead().hash(), fresh.reportData(), fresh.evidence(), fresh.endorsement(), fresh.checks());
    }

    private static ControllerException rejected(String id, String why) {
        return new ControllerException(Kind.CVM_EVIDENCE_REJECTED, "CVM " + id + "'s fresh report was refused: " + why, Optional.of(id));
    }

    /** The CVM's pinned session, opened only when a report is asked for. */
    @FunctionalInterface
    interface SessionSupplier {
        SshConnection get() throws SshFailure;
    }
}
