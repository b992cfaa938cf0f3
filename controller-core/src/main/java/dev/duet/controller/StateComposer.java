package dev.duet.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.ControllerKeyBinding;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.sealing.Sealer;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.LogHead;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.ProofJson;
import dev.duet.protocol.SignedDocument;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.jdbi.v3.core.HandleCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side: the documents anyone may ask for (the signed evidence, a CVM's signed state, log
 * pages, the checkpoint and proofs), each composed from one snapshot of the store. Nothing here
 * writes.
 */
final class StateComposer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** At most this many entries per log page, like RFC 6962's get-entries; callers page on. */
    static final int LOG_PAGE = 1000;
    private static final Duration EVIDENCE_REISSUE = Duration.ofSeconds(1);

    private final SqliteStore store;
    private final Ed25519KeyPair signingKey;
    private final TlsIdentity tls;
    private final Sealer sealer;
    private final Clock clock;
    private final SelfAttestation attestation;
    private volatile IssuedEvidence unboundEvidence;
    private final Semaphore reporting = new Semaphore(1);
    static final Duration REPORT_RETRY = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(StateComposer.class);

    StateComposer(SqliteStore store, Ed25519KeyPair signingKey, TlsIdentity tls, Sealer sealer, Clock clock, SelfAttestation attestation) {
        this.store = store;
        this.signingKey = signingKey;
        this.tls = tls;
        this.sealer = sealer;
        this.clock = clock;
        this.attestation = attestation;
    }

    /**
     * The signed evidence document; with a nonce it is signed, with a report of its own, for this
     * request, without one it is made at most once a second ({@link #EVIDENCE_REISSUE}), as anyone
     * may ask for it, often. When the attestation provider cannot give a report, no evidence is served.
     */
    ObjectNode evidence(Optional<String> nonce) throws ControllerException {
        Optional<String> validNonce = validNonce(nonce);
        if (validNonce.isPresent()) {
            return signEvidence(validNonce, clock.instant());
        }
        Instant now = clock.instant();
        IssuedEvidence last = unboundEvidence;
        if (last == null || now.isBefore(last.issuedAt()) || !now.isBefore(last.issuedAt().plus(EVIDENCE_REISSUE))) {
            last = new IssuedEvidence(now, signEvidence(Optional.empty(), now));
            unboundEvidence = last;
        }
        return last.document().deepCopy();
    }

    private record IssuedEvidence(Instant issuedAt, ObjectNode document) {}

    /**
     * One report at a time: each asks the chip (or the host, through configfs-tsm) for a signature,
     * and anyone may ask for evidence with a nonce of their own; a request that finds a report under
     * way is refused at once with Retry-After rather than queued. Why a provider failed (paths,
     * configfs state) goes to the controller's log, not to whoever asked.
     */
    private Optional<SelfAttestation.Report> report(byte[] reportData) throws ControllerException {
        if (!attestation.makesReports()) {
            return Optional.empty();
        }
        if (!reporting.tryAcquire()) {
            throw ControllerException.attestationBusy("the controller's attestation is making another report; retry after "
                    + "Retry-After seconds", REPORT_RETRY);
        }
        try {
            return attestation.report(reportData);
        } catch (IOException e) {
            LOG.warn("the controller's {} attestation gave no report: {}", attestation.name(), e.getMessage());
            throw new ControllerException(Kind.ATTESTATION_UNAVAILABLE, "the controller's attestation gave no report; its log says why");
        } finally {
            reporting.release();
        }
    }

    /**
     * The evidence names the TLS key and its report binds it with the signing key (binding version
     * 2), so a client that verified it can pin the key its HTTPS connection presented.
     */
    private ObjectNode signEvidence(Optional<String> validNonce, Instant issuedAt) throws ControllerException {
        Optional<SelfAttestation.Report> report = report(ControllerKeyBinding.reportData(
                Base64.getDecoder().decode(signingKey.publicKey().base64()), tls.spki().toByteArray(), validNonce.orElse("")).toByteArray());
        ObjectNode payload = JSON.createObjectNode();
        payload.put("format", CvmState.EVIDENCE_FORMAT);
        payload.put("tee", report.map(r -> r.tee().wire()).orElse("none"));
        if (report.isEmpty()) {
            payload.put("warning", "development controller without a TEE: nothing attests this key");
        } else if (attestation.simulated()) {
            payload.put("warning", "SIMULATED attestation: duet's simulated SNP chip signs the report; it proves nothing about hardware");
        }
        payload.putObject("signing_key").put("alg", "ed25519").put("key_id", signingKey.publicKey().keyId())
                .put("public_key", signingKey.publicKey().base64());
        payload.putObject("tls_key").put("public_key", Base64.getEncoder().encodeToString(tls.spki().toByteArray()))
                .put("sha256", tls.sha256().hex());
        payload.put("sealing", sealer.description());
        payload.putObject("log").put("origin", ControllerLog.origin(signingKey.publicKey()))
                .put("note_verifier_key", ControllerLog.verifierKey(signingKey.publicKey()).toString());
        payload.put("issued_at", issuedAt.toString());
        validNonce.ifPresent(n -> payload.put("nonce", n));
        report.ifPresent(r -> payload.putObject("attestation").put("provider", attestation.name()).put("simulated", attestation.simulated())
                .put("report", Base64.getEncoder().encodeToString(r.report().toByteArray()))
                .put("certificates", Base64.getEncoder().encodeToString(r.certificates().toByteArray())));
        return SignedDocument.sign(signingKey, payload);
    }

    /** The CVM's signed state: its record, its complete history, and the log head, from one snapshot. */
    ObjectNode signedState(String id, Optional<String> nonce) throws ControllerException {
        Optional<String> validNonce = validNonce(nonce);
        ObjectNode payload = store.read(h -> CvmRegistry.find(h, id).map(row -> {
            List<LogEntry> entries = SqliteAuditLog.subjectEntries(h, id);
            LogHead head = SqliteAuditLog.head(h);
            ObjectNode state = JSON.createObjectNode();
            state.put("format", CvmState.FORMAT);
            state.put("issued_at", clock.instant().toString());
            validNonce.ifPresent(n -> state.put("nonce", n));
            state.putObject("controller").put("key_id", signingKey.publicKey().keyId()).put("tee", attestation.tee().wire())
                    .put("simulated", attestation.simulated());
            state.set("cvm", row.view().toJson());
            state.putObject("log").put("size", head.size()).put("head", head.hash().hex())
                    .put("checkpoint", SqliteAuditLog.checkpoint(h).orElseThrow(() -> new IllegalStateException("no checkpoint signed")));
            state.putObject("cvm_log").put("size", entries.size())
                    .put("head", entries.isEmpty() ? Sha256Hash.ZERO.hex() : EntryCodec.hash(entries.get(entries.size() - 1)).hex());
            ArrayNode inclusion = ((ObjectNode) state.get("cvm_log")).putArray("inclusion");
            if (!entries.isEmpty()) {
                ProofJson.write(inclusion, SqliteAuditLog.tree(h).inclusion(entries.get(entries.size() - 1).seq(), head.size()));
            }
            ArrayNode list = state.putArray("entries");
            entries.forEach(e -> list.add(EntryCodec.toJson(e)));
            return state;
        })).orElseThrow(() -> ControllerException.unknownCvm(id));
        return SignedDocument.sign(signingKey, payload);
    }

    /** Entries {@code [start, end)} of the whole log with its current size and head, at most {@link #LOG_PAGE} of them. */
    ObjectNode logEntries(long start, Optional<Long> end) throws ControllerException {
        if (start < 0 || end.isPresent() && end.get() < start) {
            throw new ControllerException(Kind.INVALID_REQUEST, "need 0 <= start <= end");
        }
        return store.read(h -> {
            LogHead head = SqliteAuditLog.head(h);
            long to = Math.min(Math.min(end.orElse(head.size()), head.size()), start + LOG_PAGE);
            ObjectNode out = JSON.createObjectNode();
            out.put("size", head.size()).put("head", head.hash().hex());
            ArrayNode list = out.putArray("entries");
            SqliteAuditLog.range(h, start, Math.max(start, to)).forEach(e -> list.add(EntryCodec.toJson(e)));
            return out;
        });
    }

    /** The latest signed checkpoint, from memory: anyone may ask for it, often. */
    String checkpoint() {
        return store.latestCheckpoint().orElseThrow(() -> new IllegalStateException("no checkpoint signed"));
    }

    List<Sha256Hash> inclusionProof(long index, long size) throws ControllerException {
        return proofWithin(h -> {
            long logSize = SqliteAuditLog.head(h).size();
            if (index < 0 || size > logSize || index >= size) {
                throw new IllegalArgumentException("need 0 <= index < size <= " + logSize);
            }
            return SqliteAuditLog.tree(h).inclusion(index, size);
        });
    }

    List<Sha256Hash> consistencyProof(long from, long to) throws ControllerException {
        return proofWithin(h -> {
            long logSize = SqliteAuditLog.head(h).size();
            if (from < 0 || to > logSize || from > to) {
                throw new IllegalArgumentException("need 0 <= from <= to <= " + logSize);
            }
            return SqliteAuditLog.tree(h).consistency(from, to);
        });
    }

    /** Runs a proof query on one snapshot; a range outside the log is the client's mistake. */
    private List<Sha256Hash> proofWithin(HandleCallback<List<Sha256Hash>, RuntimeException> query) throws ControllerException {
        try {
            return store.read(query);
        } catch (IllegalArgumentException e) {
            throw new ControllerException(Kind.INVALID_REQUEST, e.getMessage());
        }
    }

    private static Optional<String> validNonce(Optional<String> nonce) throws ControllerException {
        if (nonce.isPresent() && !NONCE.matcher(nonce.get()).matches()) {
            throw new ControllerException(Kind.INVALID_REQUEST, "nonce must be 1-128 characters of letters, digits, '-' or '_'");
        }
        return nonce;
    }
}
