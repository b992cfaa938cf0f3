package dev.duet.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.ControllerKeyBinding;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.GovernanceRegistry;
import dev.duet.controller.sealing.Sealer;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.LogHead;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmHistory;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Nonce;
import dev.duet.protocol.ProofJson;
import dev.duet.protocol.SignedDocument;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import org.jdbi.v3.core.Handle;
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
    /** At most this many entries per log page, like RFC 6962's get-entries; callers page on. */
    static final int LOG_PAGE = 1000;
    /** And at most about this many bytes of entries (one entry more at worst): owners choose how large an entry is. */
    static final long LOG_PAGE_BYTES = 8L << 20;
    private static final Duration EVIDENCE_REISSUE = Duration.ofSeconds(1);

    private final SqliteStore store;
    private final Ed25519KeyPair signingKey;
    private final TlsIdentity tls;
    private final Sealer sealer;
    private final Clock clock;
    private final SelfAttestation attestation;
    private final StateSummaries summaries = new StateSummaries();
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

    /**
     * The CVM's signed summary ({@code duet.cvm-state/v2}) as sent: its mode and the entry that set
     * it, its host key and attestation, its entry count and head, the log's size, head and signed
     * checkpoint, and the proof that its last entry is in that checkpoint, all from one snapshot;
     * its size does not grow with the history. Without a nonce, the summary last signed is sent
     * again while the log has not grown (no signature, no query); with one, the summary is signed
     * for this request. Its history comes by page ({@link #cvmEntries}) or in the bundle.
     */
    byte[] signedState(String id, Optional<String> nonce) throws ControllerException {
        Optional<String> validNonce = validNonce(nonce);
        Optional<StateSummaries.Signed> cached = store.latestCheckpoint().flatMap(c -> summaries.signed(id, c));
        if (cached.isPresent() && validNonce.isEmpty()) {
            return cached.get().document();
        }
        if (cached.isPresent()) {
            // The summary of this log, signed once more for this nonce: one signature, no query.
            ObjectNode payload = cached.get().payload().deepCopy();
            payload.put("issued_at", clock.instant().toString());
            payload.put("nonce", validNonce.get());
            return bytes(SignedDocument.sign(signingKey, payload));
        }
        Composed composed = store.read(h -> summary(h, CvmRegistry.find(h, id).orElseThrow(() -> ControllerException.unknownCvm(id)),
                validNonce));
        byte[] document = bytes(SignedDocument.sign(signingKey, composed.payload()));
        if (validNonce.isEmpty()) {
            summaries.remember(id, new StateSummaries.Signed(composed.checkpoint(), composed.payload(), document));
        }
        return document;
    }

    /** Whether a read of the CVM's state without a nonce would now be answered with the bytes last signed. */
    boolean stateInMemory(String id) {
        return store.latestCheckpoint().flatMap(c -> summaries.signed(id, c)).isPresent();
    }

    private static byte[] bytes(ObjectNode document) {
        try {
            return JSON.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** A summary payload and the checkpoint it names. */
    private record Composed(ObjectNode payload, String checkpoint, StateSummaries.Folded folded) {}

    private Composed summary(Handle h, CvmRegistry.CvmRow row, Optional<String> nonce) {
        LogHead head = SqliteAuditLog.head(h);
        String checkpoint = store.checkpointAt(h).orElseThrow(() -> new IllegalStateException("no checkpoint signed"));
        StateSummaries.Folded folded = summaries.fold(h, row.id(), head);
        ObjectNode state = JSON.createObjectNode();
        state.put("format", CvmState.FORMAT_V2);
        state.put("issued_at", clock.instant().toString());
        nonce.ifPresent(n -> state.put("nonce", n));
        state.putObject("controller").put("key_id", signingKey.publicKey().keyId()).put("tee", attestation.tee().wire())
                .put("simulated", attestation.simulated());
        // The record as the registry has it (its address, pin and the controller's SSH key change only with a log entry,
        // but for the port of a VM being started), and what the history says of it.
        ObjectNode cvm = row.view().toJson();
        state.set("cvm", cvm);
        folded.replay().modeSince().ifPresent(m -> cvm.putObject("mode_since").put("seq", m.seq()).put("time", m.at().toString()));
        folded.replay().attestationFacts().ifPresent(a -> cvm.putObject("host_key_attestation").put("evidence_source", a.evidenceSource())
                .put("simulated", a.simulated()).put("trust", a.trust()));
        CvmState.putPolicy(cvm, folded.replay());
        state.putObject("log").put("size", head.size()).put("head", head.hash().hex()).put("checkpoint", checkpoint);
        ObjectNode cvmLog = state.putObject("cvm_log").put("size", folded.count()).put("head", folded.head().hex());
        ArrayNode inclusion = cvmLog.putArray("inclusion");
        if (folded.count() > 0) {
            ProofJson.write(inclusion, SqliteAuditLog.tree(h).inclusion(folded.lastSeq(), head.size()));
        }
        return new Composed(state, checkpoint, folded);
    }

    /**
     * A page of the CVM's own entries: at most {@code limit} (and {@link #LOG_PAGE}) of them with
     * seq at least {@code start}, in log order, and where the next page starts when this one is
     * full. A client checks them by their subject chain against a signed summary's head.
     */
    ObjectNode cvmEntries(String id, long start, int limit) throws ControllerException {
        if (start < 0 || limit < 1) {
            throw new ControllerException(Kind.INVALID_REQUEST, "need start >= 0 and limit >= 1");
        }
        int page = Math.min(limit, LOG_PAGE);
        return store.read(h -> CvmRegistry.find(h, id).map(row -> {
            SqliteAuditLog.Page read = SqliteAuditLog.subjectPageWithin(h, id, start, page, LOG_PAGE_BYTES);
            List<LogEntry> entries = read.entries();
            ObjectNode out = JSON.createObjectNode().put("cvm", id).put("start", start);
            ArrayNode list = out.putArray("entries");
            entries.forEach(e -> list.add(EntryCodec.toJson(e)));
            if (entries.size() == page || read.more()) {
                out.put("next", entries.get(entries.size() - 1).seq() + 1);
            } else {
                out.putNull("next");
            }
            return out;
        })).orElseThrow(() -> ControllerException.unknownCvm(id));
    }

    /**
     * The CVM's bundle ({@code duet.bundle/v1}, docs/api.md): everything a user needs to verify it
     * offline, from one snapshot, signed. With {@code since} (a log size the user already trusts),
     * the history is the CVM's custody entries and its entries from {@code since} or from the entry
     * that set its mode, whichever is earlier, tied to what comes before by an anchor entry and to
     * the trusted log by a consistency proof. With {@code cvmEvidence} (asked with a nonce) it carries
     * that as {@code cvm_evidence}, or is empty when the snapshot's CVM is no longer the one it
     * describes (its log moved past the head the report binds).
     */
    Optional<ObjectNode> bundle(String id, Optional<String> nonce, OptionalLong since, Optional<CvmEvidence> cvmEvidence)
            throws ControllerException {
        Optional<String> validNonce = validNonce(nonce);
        ObjectNode evidence = evidence(validNonce);
        Optional<ObjectNode> payload = store.read(h -> {
            CvmRegistry.CvmRow row = CvmRegistry.find(h, id).orElseThrow(() -> ControllerException.unknownCvm(id));
            Composed state = summary(h, row, validNonce);
            LogHead head = SqliteAuditLog.head(h);
            if (since.isPresent() && (since.getAsLong() < 1 || since.getAsLong() > head.size())) {
                throw new ControllerException(Kind.INVALID_REQUEST, "since must be a log size from 1 to " + head.size());
            }
            if (cvmEvidence.isPresent() && !cvmEvidence.get().holdsFor(row, state.folded())) {
                return Optional.<ObjectNode>empty();
            }
            ObjectNode bundle = bundlePayload(h, id, state, head, evidence, validNonce, since);
            cvmEvidence.ifPresent(e -> e.write(bundle.putObject("cvm_evidence")));
            return Optional.of(bundle);
        });
        return payload.map(p -> SignedDocument.sign(signingKey, p));
    }

    private ObjectNode bundlePayload(Handle h, String id, Composed state, LogHead head, ObjectNode evidence, Optional<String> nonce,
            OptionalLong since) {
        MerkleProofs tree = SqliteAuditLog.tree(h);
        ObjectNode bundle = JSON.createObjectNode();
        bundle.put("format", CvmState.BUNDLE_FORMAT);
        bundle.put("issued_at", clock.instant().toString());
        nonce.ifPresent(n -> bundle.put("nonce", n));
        bundle.putObject("controller_key").put("alg", "ed25519").put("key_id", signingKey.publicKey().keyId())
                .put("public_key", signingKey.publicKey().base64());
        bundle.set("evidence", evidence);
        bundle.set("state", SignedDocument.sign(signingKey, state.payload()));
        bundle.putObject("log").put("size", head.size()).put("head", head.hash().hex()).put("checkpoint", state.checkpoint());
        ObjectNode owners = bundle.putObject("owners");
        owners.set("entry", EntryCodec.toJson(SqliteAuditLog.entry(h, 0).orElseThrow(() -> new IllegalStateException("no entry 0"))));
        ProofJson.write(owners.putArray("inclusion"), tree.inclusion(0, head.size()));
        // Every owner change up to the head: with entry 0 they say which owners' approvals a governed entry needed.
        List<Long> changes = GovernanceRegistry.ownerChanges(h, head.size());
        if (!changes.isEmpty()) {
            ArrayNode changesJson = owners.putArray("changes");
            for (long seq : changes) {
                ObjectNode change = changesJson.addObject();
                change.set("entry", EntryCodec.toJson(SqliteAuditLog.entry(h, seq).orElseThrow()));
                ProofJson.write(change.putArray("inclusion"), tree.inclusion(seq, head.size()));
            }
        }

        StateSummaries.Folded folded = state.folded();
        ObjectNode cvm = bundle.putObject("cvm");
        long custodyEnd = folded.custodyEnd().orElse(folded.lastSeq());
        List<LogEntry> custody = SqliteAuditLog.subjectRange(h, id, 0, custodyEnd + 1, Integer.MAX_VALUE);
        ArrayNode custodyJson = cvm.putArray("custody");
        custody.forEach(e -> custodyJson.add(EntryCodec.toJson(e)));
        if (!custody.isEmpty()) {
            ProofJson.write(cvm.putArray("custody_inclusion"), tree.inclusion(custody.get(custody.size() - 1).seq(), head.size()));
        }
        long from = custodyEnd + 1;
        if (since.isPresent()) {
            long modeSet = folded.replay().modeSince().map(CvmHistory.Moment::seq).orElse(custodyEnd);
            from = Math.max(from, Math.min(since.getAsLong(), modeSet));
            cvm.put("since", since.getAsLong());
            Optional<LogEntry> anchor = SqliteAuditLog.subjectEntryBefore(h, id, from).filter(a -> a.seq() > custodyEnd);
            if (anchor.isPresent()) {
                ObjectNode a = cvm.putObject("anchor");
                a.set("entry", EntryCodec.toJson(anchor.get()));
                ProofJson.write(a.putArray("inclusion"), tree.inclusion(anchor.get().seq(), head.size()));
                // The policy in force where the history given resumes, unless the custody entries set it: the verifier judges by it.
                Optional<LogEntry> policy = Policies.setBefore(h, id, from, folded.replay().policy()).filter(e -> e.seq() > custodyEnd);
                if (policy.isPresent()) {
                    ObjectNode carried = cvm.putObject("policy");
                    carried.set("entry", EntryCodec.toJson(policy.get()));
                    ProofJson.write(carried.putArray("inclusion"), tree.inclusion(policy.get().seq(), head.size()));
                }
            }
            ObjectNode consistency = bundle.putObject("consistency").put("from", since.getAsLong()).put("to", head.size());
            ProofJson.write(consistency.putArray("proof"), tree.consistency(since.getAsLong(), head.size()));
        }
        ArrayNode entries = cvm.putArray("entries");
        SqliteAuditLog.subjectPage(h, id, from, Integer.MAX_VALUE).forEach(e -> entries.add(EntryCodec.toJson(e)));
        return bundle;
    }

    /**
     * Entries {@code [start, end)} of the whole log with its current size and head, at most
     * {@link #LOG_PAGE} of them and about {@link #LOG_PAGE_BYTES}: fewer than asked when they are large
     * (clients ask again from where the page ends, as RFC 6962's get-entries lets a log answer).
     */
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
            SqliteAuditLog.rangeWithin(h, start, Math.max(start, to), LOG_PAGE_BYTES).entries().forEach(e -> list.add(EntryCodec.toJson(e)));
            return out;
        });
    }

    /** The latest signed checkpoint, from memory (anyone may ask, often); signed of a snapshot if the last signature failed. */
    String checkpoint() {
        return store.latestCheckpoint().or(() -> store.read(store::checkpointAt))
                .orElseThrow(() -> new IllegalStateException("no checkpoint signer"));
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
        if (nonce.isPresent() && !Nonce.valid(nonce.get())) {
            throw new ControllerException(Kind.INVALID_REQUEST, "nonce must be " + Nonce.RULE);
        }
        return nonce;
    }
}
