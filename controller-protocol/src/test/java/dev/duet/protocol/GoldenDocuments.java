package dev.duet.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import dev.duet.attestation.snp.SevCertificateTable;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * Makes the golden documents under {@code src/test/resources/golden}: each one is written by the
 * real signing code (the typed payloads, {@link SignedDocument}, the checkpoint signer) with the
 * fixed keys of {@link GoldenKeys}, then broken in exactly one way, the way its name says. The
 * verdict each must get is part of its definition, so the README and the test read the same list.
 */
final class GoldenDocuments {
    static final String CVM = "cvm-0123456789abcdef";
    static final String NONCE = "n1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    private static final String PIN = OpenSshFingerprint.of(HOST_KEY).orElseThrow();

    /** What a verifier must say of a golden: the exit class and, unless trusted, what fails. */
    record Golden(String file, String wrong, String verdict, byte[] bytes) {}

    private GoldenDocuments() {}

    static List<Golden> all() {
        List<Golden> out = new ArrayList<>();
        out.addAll(states());
        out.addAll(exports());
        out.addAll(evidences());
        return out;
    }

    // ---- CVM states -------------------------------------------------------------------------

    /** A log of one owner registration, then the CVM's entries, each chained as the store chains them. */
    private static final class Log {
        final List<LogEntry> entries = new ArrayList<>();

        Log add(Optional<String> subject, Payload payload) {
            Sha256Hash prev = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
            Optional<Sha256Hash> subjectPrev = subject.map(s -> entries.stream().filter(e -> e.subject().equals(subject))
                    .reduce((a, b) -> b).map(EntryCodec::hash).orElse(Sha256Hash.ZERO));
            long seq = entries.size();
            entries.add(new LogEntry(seq, T0.plusSeconds(seq), subject, subject.isPresent() ? "owner:ab12" : "controller",
                    payload.kind().wire(), EntryCodec.canonical(PayloadCodec.encode(payload)), prev, subjectPrev));
            return this;
        }

        Log cvm(Payload payload) {
            return add(Optional.of(CVM), payload);
        }

        List<LogEntry> ofCvm() {
            return entries.stream().filter(e -> e.subject().isPresent()).toList();
        }

        List<Sha256Hash> leaves() {
            return entries.stream().map(e -> MerkleHashes.leaf(EntryCodec.encode(e))).toList();
        }
    }

    private static Log registered() {
        return new Log().add(Optional.empty(), new Payload.OwnerRegistered(List.of(new Payload.OwnerKey("ab12", "AAAAowner")),
                GoldenKeys.controller().publicKey().keyId()));
    }

    private static Log adoptedThenInService() {
        Payload.Output empty = new Payload.Output("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, false);
        return registered()
                .cvm(new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", PIN, ".ssh/authorized_keys", "ssh-ed25519 AAAAcontroller duet"))
                .cvm(new Payload.Adopted(HOST_KEY, PIN, List.of("host key matches the pin"), Optional.empty()))
                .cvm(new Payload.CommandStarted("c1", List.of("apt-get", "upgrade"), Duration.ofSeconds(30)))
                .cvm(new Payload.CommandCompleted("c1", OptionalInt.of(0), Optional.empty(), false, empty, empty))
                .cvm(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE));
    }

    private static String checkpoint(Ed25519KeyPair key, long size, Sha256Hash root) {
        CheckpointSigner signer = ControllerLog.checkpointSigner(key);
        return SignedNote.sign(new Checkpoint(signer.origin(), size, root, List.of()).text(), signer.verifierKey(), signer::sign).encode();
    }

    /** The state the controller composes for the CVM: its entries, the checkpoint, the proof of its last entry. */
    private static ObjectNode state(Log log, String mode) {
        ObjectNode s = JSON.createObjectNode().put("format", CvmState.FORMAT).put("nonce", NONCE);
        s.putObject("cvm").put("id", CVM).put("name", "web").put("provider", "ssh").put("mode", mode).put("host_key", HOST_KEY);
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        int size = log.entries.size();
        LogEntry last = log.ofCvm().get(log.ofCvm().size() - 1);
        s.putObject("log").put("size", size).put("head", EntryCodec.hash(log.entries.get(size - 1)).hex())
                .put("checkpoint", checkpoint(GoldenKeys.controller(), size, tree.root(0, size)));
        ObjectNode cvmLog = s.putObject("cvm_log").put("size", log.ofCvm().size()).put("head", EntryCodec.hash(last).hex());
        ArrayNode inclusion = cvmLog.putArray("inclusion");
        tree.inclusion(last.seq(), size).forEach(p -> inclusion.add(p.hex()));
        ArrayNode list = s.putArray("entries");
        log.ofCvm().forEach(e -> list.add(EntryCodec.toJson(e)));
        return s;
    }

    private static Golden signedState(String file, String wrong, String verdict, ObjectNode state) {
        return new Golden(file, wrong, verdict, pretty(SignedDocument.sign(GoldenKeys.controller(), state)));
    }

    private static List<Golden> states() {
        List<Golden> out = new ArrayList<>();
        out.add(signedState("state-honest-in-service.json", "nothing: an adopted CVM that ran one command, then went in-service",
                "trusted", state(adoptedThenInService(), "in-service")));
        out.add(signedState("state-command-after-in-service.json",
                "the controller started a command while the CVM was in-service, logged it and signed the state",
                "not trusted: lifecycle", state(adoptedThenInService().cvm(
                        new Payload.CommandStarted("c2", List.of("sh", "-c", "true"), Duration.ofSeconds(30))), "in-service")));
        out.add(signedState("state-mode-not-where-history-leads.json", "claims in-update; its history leads to in-service",
                "not trusted: mode", state(adoptedThenInService(), "in-update")));
        ObjectNode dropped = state(adoptedThenInService(), "in-service");
        ((ArrayNode) dropped.get("entries")).remove(2);
        out.add(signedState("state-entry-dropped.json", "the command's start is left out of the history the controller signed",
                "not trusted: history", dropped));
        ObjectNode swappedKey = state(adoptedThenInService(), "in-service");
        ((ObjectNode) swappedKey.get("cvm")).put("host_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey00");
        out.add(signedState("state-host-key-swapped.json", "names a host key other than the one adoption recorded",
                "not trusted: host key", swappedKey));
        ObjectNode stale = state(adoptedThenInService(), "in-service").put("nonce", "n0");
        out.add(signedState("state-stale-nonce.json", "answers an earlier request (nonce n0, the user asked with n1)",
                "not trusted: freshness", stale));
        Log log = adoptedThenInService();
        ObjectNode foreignCheckpoint = state(log, "in-service");
        ((ObjectNode) foreignCheckpoint.get("log")).put("checkpoint",
                checkpoint(GoldenKeys.another(), log.entries.size(), MerkleProofs.over(log.leaves()).root(0, log.entries.size())));
        out.add(signedState("state-checkpoint-of-another-log.json", "its checkpoint is another controller's log's",
                "not trusted: checkpoint", foreignCheckpoint));
        ObjectNode badProof = state(adoptedThenInService(), "in-service");
        ((ArrayNode) badProof.get("cvm_log").get("inclusion")).set(0, JSON.getNodeFactory().textNode(Sha256Hash.ZERO.hex()));
        out.add(signedState("state-inclusion-proof-wrong.json", "the proof that its last entry is in the checkpointed log does not hold",
                "not trusted: inclusion", badProof));
        out.add(new Golden("state-signed-by-another-key.json", "an honest state, signed by another controller's key",
                "not trusted: signature", pretty(SignedDocument.sign(GoldenKeys.another(), state(adoptedThenInService(), "in-service")))));
        ObjectNode edited = SignedDocument.sign(GoldenKeys.controller(), state(adoptedThenInService(), "in-service"));
        ((ObjectNode) edited.get("payload").get("cvm")).put("mode", "in-update");
        out.add(new Golden("state-payload-edited-after-signing.json", "the mode was changed to in-update after the controller signed",
                "not trusted: signature", pretty(edited)));
        String honest = new String(out.get(0).bytes(), StandardCharsets.UTF_8);
        out.add(new Golden("state-duplicate-mode-member.json", "a second \"mode\" member ahead of the signed one: two readings of one document",
                "malformed: document", honest.replaceFirst("\"mode\" :", "\"mode\" : \"in-update\",\n      \"mode\" :")
                        .getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    // ---- log exports ------------------------------------------------------------------------

    /** An export as {@code duet log export} writes it, of the given entries, checkpointed by {@code key}. */
    private static byte[] export(List<LogEntry> entries, Ed25519KeyPair key, UnaryOperator<List<LogEntry>> tamper) {
        List<Sha256Hash> leaves = entries.stream().map(e -> MerkleHashes.leaf(EntryCodec.encode(e))).toList();
        ObjectNode export = JSON.createObjectNode().put("checkpoint", checkpoint(key, entries.size(),
                MerkleProofs.over(leaves).root(0, entries.size())));
        ArrayNode list = export.putArray("entries");
        tamper.apply(new ArrayList<>(entries)).forEach(e -> list.add(EntryCodec.toJson(e)));
        try {
            return JSON.writeValueAsBytes(export);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Golden> exports() {
        List<LogEntry> log = adoptedThenInService().entries;
        List<Golden> out = new ArrayList<>();
        out.add(new Golden("export-honest.json", "nothing: a log of six entries and its checkpoint", "intact",
                export(log, GoldenKeys.controller(), l -> l)));
        out.add(new Golden("export-entry-reordered.json", "entries 3 and 4 are swapped", "tampered at entry 3",
                export(log, GoldenKeys.controller(), l -> {
                    Collections.swap(l, 3, 4);
                    return l;
                })));
        out.add(new Golden("export-entry-dropped.json", "entry 2 is left out", "tampered at entry 2",
                export(log, GoldenKeys.controller(), l -> {
                    l.remove(2);
                    return l;
                })));
        out.add(new Golden("export-entry-edited.json", "entry 3's command is not the one logged", "tampered at entry 3",
                export(log, GoldenKeys.controller(), l -> {
                    LogEntry e = l.get(3);
                    l.set(3, new LogEntry(e.seq(), e.time(), e.subject(), e.actor(), e.kind(),
                            e.payloadJson().replace("upgrade", "remove"), e.prev(), e.subjectPrev()));
                    return l;
                })));
        out.add(new Golden("export-checkpoint-of-another-log.json", "the checkpoint is another controller's, over the same entries",
                "tampered: checkpoint: no signature by the trusted key " + ControllerLog.verifierKey(GoldenKeys.controller().publicKey()).name(),
                export(log, GoldenKeys.another(), l -> l)));
        out.add(new Golden("export-truncated.json", "the last entry is cut off; the checkpoint still counts it", "tampered at entry 5",
                export(log, GoldenKeys.controller(), l -> l.subList(0, l.size() - 1))));
        String honest = new String(out.get(0).bytes(), StandardCharsets.UTF_8);
        out.add(new Golden("export-duplicate-kind-member.json", "entry 3 carries a second \"kind\": two readings of one document",
                "malformed", honest.replace("\"seq\":3,", "\"seq\":3,\"kind\":\"mode.changed\",").getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    // ---- controller evidence ----------------------------------------------------------------

    /** The evidence payload as the controller signs it (StateComposer): a development controller, tee none, answering {@code nonce}. */
    private static ObjectNode evidence(Ed25519PublicKey key, Optional<String> nonce) {
        ObjectNode payload = JSON.createObjectNode().put("format", CvmState.EVIDENCE_FORMAT).put("tee", "none")
                .put("warning", "development controller without a TEE: nothing attests this key");
        payload.putObject("signing_key").put("alg", "ed25519").put("key_id", key.keyId()).put("public_key", key.base64());
        payload.put("sealing", "file (development: AES-256-GCM key in a 0600 file)");
        payload.putObject("log").put("origin", ControllerLog.origin(key)).put("note_verifier_key", ControllerLog.verifierKey(key).toString());
        payload.put("issued_at", T0.toString());
        nonce.ifPresent(n -> payload.put("nonce", n));
        return payload;
    }

    private static ObjectNode honestEvidence() {
        return evidence(GoldenKeys.controller().publicKey(), Optional.of(NONCE));
    }

    private static Golden signedEvidence(String file, String wrong, String verdict, ObjectNode payload) {
        return new Golden(file, wrong, verdict, pretty(SignedDocument.sign(GoldenKeys.controller(), payload)));
    }

    private static List<Golden> evidences() {
        List<Golden> out = new ArrayList<>();
        out.add(signedEvidence("evidence-honest-no-tee.json", "nothing: a development controller's evidence, answering nonce n1; "
                + "no TEE vouches for its key", "verified, not attested (tee none)", honestEvidence()));
        out.add(signedEvidence("evidence-tee-claimed-without-a-quote.json", "claims sev-snp, but carries no quote this version can verify",
                "verified, not attested (tee sev-snp)", honestEvidence().put("tee", "sev-snp")));
        ObjectNode edited = SignedDocument.sign(GoldenKeys.controller(), honestEvidence());
        ((ObjectNode) edited.get("payload")).put("warning", "attested by hardware");
        out.add(new Golden("evidence-payload-edited-after-signing.json", "the warning was changed after the controller signed",
                "not verified: signature", pretty(edited)));
        out.add(new Golden("evidence-signed-by-another-key.json", "names the controller's key, signed by another controller's key",
                "not verified: signature", pretty(SignedDocument.sign(GoldenKeys.another(), honestEvidence()))));
        ObjectNode unreadableKey = honestEvidence();
        ((ObjectNode) unreadableKey.get("signing_key")).put("public_key", "AAAA");
        out.add(signedEvidence("evidence-signing-key-unreadable.json", "the key it names is not an Ed25519 public key",
                "not verified: signing key", unreadableKey));
        out.add(signedEvidence("evidence-stale-nonce.json", "answers an earlier request (nonce n0, the user asked with n1)",
                "not verified: freshness", evidence(GoldenKeys.controller().publicKey(), Optional.of("n0"))));
        out.add(signedEvidence("evidence-without-nonce.json", "the evidence anyone may fetch, bound to no request (the user asked with n1)",
                "not verified: freshness", evidence(GoldenKeys.controller().publicKey(), Optional.empty())));
        out.add(signedEvidence("evidence-tee-unknown.json", "names a TEE kind that does not exist", "not verified: tee",
                honestEvidence().put("tee", "sev")));
        out.add(signedEvidence("evidence-that-is-a-cvm-state.json", "a signed CVM state, offered as evidence", "not verified: format",
                state(adoptedThenInService(), "in-service")));
        ObjectNode beside = SignedDocument.sign(GoldenKeys.controller(), honestEvidence());
        beside.put("tee", "sev-snp");
        out.add(new Golden("evidence-member-beside-payload.json", "a \"tee\" member beside the payload, which nobody signed",
                "not verified: document", pretty(beside)));
        out.addAll(attestedEvidences());
        out.addAll(tlsBoundEvidences());
        String honest = new String(out.get(0).bytes(), StandardCharsets.UTF_8);
        out.add(new Golden("evidence-duplicate-tee-member.json", "a second \"tee\" member ahead of the signed one: two readings of one document",
                "malformed", honest.replaceFirst("\"tee\" :", "\"tee\" : \"sev-snp\",\n    \"tee\" :").getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    /**
     * Evidence with a report in it: reports of duet's simulated chip made once for these goldens
     * ({@code simulated-snp-report-n1.bin} and {@code -n0.bin} bind the trusted controller's key to
     * nonce n1 and n0; {@code simulated-snp-certificates.bin} is their certificate table, VCEK, ASK and
     * ARK, valid from 2026-12-01 for ten years), and a real AMD report from the test vectors.
     */
    private static List<Golden> attestedEvidences() {
        Ed25519PublicKey key = GoldenKeys.controller().publicKey();
        byte[] n1 = GoldenKeys.resource("simulated-snp-report-n1.bin");
        byte[] n0 = GoldenKeys.resource("simulated-snp-report-n0.bin");
        byte[] certificates = GoldenKeys.resource("simulated-snp-certificates.bin");
        List<Golden> out = new ArrayList<>();
        out.add(signedEvidence("evidence-simulated-snp-honest.json", "nothing: a controller with simulated SNP attestation, answering "
                + "nonce n1; its root is duet's simulated one", "verified, not attested (tee sev-snp): controller.simulated-root; "
                + "trusting the simulated root: verified, attested SIMULATED (tee sev-snp)",
                attested(key, "n1", "simulated-snp", true, n1, certificates)));
        byte[] flipped = n1.clone();
        flipped[0x90] ^= 1;
        out.add(signedEvidence("evidence-simulated-snp-report-bit-flipped.json", "one bit of the report's MEASUREMENT flipped",
                "verified, not attested (tee sev-snp): controller.simulated-root, snp.signature; trusting the simulated root: "
                        + "verified, not attested (tee sev-snp): snp.signature",
                attested(key, "n1", "simulated-snp", true, flipped, certificates)));
        out.add(signedEvidence("evidence-simulated-snp-report-for-another-nonce.json", "a fresh document around a replayed report: "
                + "the document answers n1, the report was made for n0", "verified, not attested (tee sev-snp): "
                + "controller.simulated-root, policy.report-data; trusting the simulated root: verified, not attested (tee sev-snp): "
                + "policy.report-data", attested(key, "n1", "simulated-snp", true, n0, certificates)));
        out.add(new Golden("evidence-simulated-snp-report-of-another-key.json", "another controller's key signs and names itself "
                + "around the trusted controller's report", "verified, not attested (tee sev-snp): controller.simulated-root, "
                + "policy.report-data; trusting the simulated root: verified, not attested (tee sev-snp): policy.report-data",
                pretty(SignedDocument.sign(GoldenKeys.another(), attested(GoldenKeys.another().publicKey(), "n1", "simulated-snp", true,
                        n1, certificates)))));
        out.add(signedEvidence("evidence-simulated-snp-stale-nonce.json", "simulated evidence answering an earlier request (n0), "
                + "report and document alike", "not verified: freshness", attested(key, "n0", "simulated-snp", true, n0, certificates)));
        out.add(signedEvidence("evidence-simulated-snp-claimed-real.json", "a simulated report that the document calls real "
                + "(simulated: false)", "verified, not attested (tee sev-snp): snp.chain, controller.measurement; trusting the "
                + "simulated root: verified, not attested (tee sev-snp): snp.chain, controller.measurement", attested(key, "n1", "tsm", false, n1, certificates)));
        ObjectNode unreadable = attested(key, "n1", "simulated-snp", true, n1, certificates);
        ((ObjectNode) unreadable.get("attestation")).put("report", "not base64!");
        out.add(signedEvidence("evidence-attestation-unreadable.json", "the report is not base64", "not verified: attestation",
                unreadable));
        byte[] vcek = dev.duet.attestation.TestVectors.bytes("snp/milan_v3_oak_vcek.der");
        byte[] table = new SevCertificateTable(List.of(new SevCertificateTable.Entry(SevCertificateTable.VCEK,
                dev.duet.attestation.Octets.copyOf(vcek)))).encode().toByteArray();
        out.add(signedEvidence("evidence-sev-snp-report-binding-other-data.json", "a genuine AMD-signed report (Milan, Project Oak's "
                + "test vector) that binds other data than this controller's key and nonce", "verified, not attested (tee sev-snp): "
                + "policy.report-data, controller.measurement; trusting the simulated root: verified, not attested (tee sev-snp): "
                + "policy.report-data, controller.measurement",
                attested(key, "n1", "tsm", false,
                        dev.duet.attestation.TestVectors.bytes("snp/milan_v3_oak_report.bin"), table)));
        return out;
    }

    /**
     * Evidence that names the controller's TLS key (binding version 2): {@code
     * simulated-snp-v2-report-n1.bin} is a report of another simulated chip, made once, binding the
     * trusted controller's signing key, its TLS key ({@code controller-tls-key.pub.pem}) and nonce n1.
     */
    private static List<Golden> tlsBoundEvidences() {
        Ed25519PublicKey key = GoldenKeys.controller().publicKey();
        byte[] report = GoldenKeys.resource("simulated-snp-v2-report-n1.bin");
        byte[] certificates = GoldenKeys.resource("simulated-snp-v2-certificates.bin");
        List<Golden> out = new ArrayList<>();
        out.add(signedEvidence("evidence-v2-honest-no-tee.json", "nothing: a development controller's evidence naming its TLS key, "
                + "answering nonce n1; no TEE vouches for either key", "verified, not attested (tee none)",
                withTlsKey(honestEvidence(), GoldenKeys.controllerTls())));
        out.add(signedEvidence("evidence-v2-simulated-snp-honest.json", "nothing: a controller with simulated SNP attestation whose "
                + "report binds its signing key, its TLS key and nonce n1", "verified, not attested (tee sev-snp): "
                + "controller.simulated-root; trusting the simulated root: verified, attested SIMULATED (tee sev-snp)",
                withTlsKey(attested(key, "n1", "simulated-snp", true, report, certificates), GoldenKeys.controllerTls())));
        out.add(signedEvidence("evidence-v2-simulated-snp-tls-key-swapped.json", "names another TLS key (a party in the middle's) "
                + "than the one its report binds", "verified, not attested (tee sev-snp): controller.simulated-root, policy.report-data; "
                + "trusting the simulated root: verified, not attested (tee sev-snp): policy.report-data",
                withTlsKey(attested(key, "n1", "simulated-snp", true, report, certificates), GoldenKeys.anotherTls())));
        out.add(signedEvidence("evidence-v2-simulated-snp-tls-key-missing.json", "names no TLS key, though its report binds one: read "
                + "as version 1, the report does not bind what the document says", "verified, not attested (tee sev-snp): "
                + "controller.simulated-root, policy.report-data; trusting the simulated root: verified, not attested (tee sev-snp): "
                + "policy.report-data", attested(key, "n1", "simulated-snp", true, report, certificates)));
        ObjectNode wrongHash = withTlsKey(attested(key, "n1", "simulated-snp", true, report, certificates), GoldenKeys.controllerTls());
        ((ObjectNode) wrongHash.get("tls_key")).put("sha256", EvidenceVerifier.sha256(dev.duet.attestation.Octets.copyOf(
                GoldenKeys.anotherTls())).hex());
        out.add(signedEvidence("evidence-v2-tls-key-hash-of-another-key.json", "the TLS key's sha256 is another key's: the pin a user "
                + "compares would not be the key bound", "not verified: tls key", wrongHash));
        return out;
    }

    /** The {@code tls_key} member as the controller writes it: the key's SubjectPublicKeyInfo DER in base64, and its SHA-256. */
    private static ObjectNode withTlsKey(ObjectNode payload, byte[] spki) {
        payload.putObject("tls_key").put("public_key", Base64.getEncoder().encodeToString(spki))
                .put("sha256", EvidenceVerifier.sha256(dev.duet.attestation.Octets.copyOf(spki)).hex());
        return payload;
    }

    /** Evidence as a controller with a self-attestation provider signs it (StateComposer). */
    private static ObjectNode attested(Ed25519PublicKey key, String nonce, String provider, boolean simulated, byte[] report,
            byte[] certificates) {
        ObjectNode payload = evidence(key, Optional.of(nonce)).put("tee", "sev-snp");
        if (simulated) {
            payload.put("warning", "SIMULATED attestation: duet's simulated SNP chip signs the report; it proves nothing about hardware");
        } else {
            payload.remove("warning");
        }
        payload.putObject("attestation").put("provider", provider).put("simulated", simulated)
                .put("report", Base64.getEncoder().encodeToString(report))
                .put("certificates", Base64.getEncoder().encodeToString(certificates));
        return payload;
    }

    private static byte[] pretty(ObjectNode document) {
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
