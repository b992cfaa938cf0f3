package dev.duet.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
    static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    static final String PIN = OpenSshFingerprint.of(HOST_KEY).orElseThrow();

    /** What a verifier must say of a golden: the exit class and, unless trusted, what fails. */
    record Golden(String file, String wrong, String verdict, byte[] bytes) {}

    private GoldenDocuments() {}

    static List<Golden> all() {
        List<Golden> out = new ArrayList<>();
        out.addAll(states());
        out.addAll(exports());
        out.addAll(evidences());
        out.addAll(savedStates());
        out.addAll(bundles());
        return out;
    }

    // ---- CVM states -------------------------------------------------------------------------

    /** A log of one owner registration, then the CVM's entries, each chained as the store chains them. */
    static final class Log {
        final List<LogEntry> entries = new ArrayList<>();

        Log add(Optional<String> subject, Payload payload) {
            return add(subject, subject.isPresent() ? "owner:ab12" : "controller", payload);
        }

        Log add(Optional<String> subject, String actor, Payload payload) {
            Sha256Hash prev = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
            Optional<Sha256Hash> subjectPrev = subject.map(s -> entries.stream().filter(e -> e.subject().equals(subject))
                    .reduce((a, b) -> b).map(EntryCodec::hash).orElse(Sha256Hash.ZERO));
            long seq = entries.size();
            entries.add(new LogEntry(seq, T0.plusSeconds(seq), subject, actor,
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
        return adoptedThenInService(registered());
    }

    /**
     * The log bundles are made of: the same history, with an owner key a verifier can read (the
     * public half of {@code another-controller-key.pem}; any Ed25519 key would do), since a bundle's
     * verifier checks entry 0's owner keys.
     */
    static Log bundleLog() {
        Ed25519PublicKey owner = GoldenKeys.another().publicKey();
        return adoptedThenInService(new Log().add(Optional.empty(), new Payload.OwnerRegistered(List.of(new Payload.OwnerKey(owner.keyId(),
                owner.base64())), GoldenKeys.controller().publicKey().keyId())));
    }

    static Log adoptedThenInService(Log registered) {
        Payload.Output empty = new Payload.Output("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, false);
        return registered
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
        ObjectNode unsigned = state(adoptedThenInService(), "in-service");
        ((ObjectNode) unsigned.get("cvm")).put("comment", "patched by hand");
        out.add(signedState("state-unknown-member.json", "a member the controller never writes (cvm.comment), signed: no verifier reads it",
                "malformed: document", unsigned));
        ObjectNode listed = state(adoptedThenInService(), "in-service");
        ((ObjectNode) listed.get("cvm")).putArray("reason").addObject().put("hidden", "read by nobody");
        ObjectNode textSize = state(adoptedThenInService(), "in-service");
        ((ObjectNode) textSize.get("log")).put("size", textSize.get("log").get("size").asText());
        out.add(signedState("state-size-as-text.json", "log.size, an integer the controller writes, is the same number as text, signed",
                "malformed: document", textSize));
        ObjectNode textFlag = state(adoptedThenInService(), "in-service");
        textFlag.putObject("controller").put("simulated", "false");
        out.add(signedState("state-boolean-as-text.json", "controller.simulated, a boolean the controller writes, is the word false as "
                + "text, signed", "malformed: document", textFlag));
        out.add(signedState("state-value-hiding-a-list.json", "cvm.reason, a string the controller writes, holds a list of objects, "
                + "signed: no verifier reads inside it", "malformed: document", listed));
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
        ObjectNode unknown = honestEvidence();
        ((ObjectNode) unknown.get("log")).put("mirror", "https://example.org/log");
        ObjectNode otherAlg = honestEvidence();
        ((ObjectNode) otherAlg.get("signing_key")).put("alg", "rsa");
        out.add(signedEvidence("evidence-signing-key-alg-other.json", "its signing key's alg is not ed25519, signed",
                "not verified: signing key", otherAlg));
        out.add(signedEvidence("evidence-unknown-member.json", "a member the controller never writes (log.mirror), signed: no verifier reads it",
                "not verified: document", unknown));
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

    // ---- v2 states (summaries, saved with their history) and bundles ---------------------------------

    /** The CVM's entries' JSON, as the entries route pages them. */
    private static ArrayNode history(Log log) {
        ArrayNode list = JSON.createArrayNode();
        log.ofCvm().forEach(e -> list.add(EntryCodec.toJson(e)));
        return list;
    }

    /** The v2 summary the controller signs for the CVM (StateComposer), answering {@code nonce}, its checkpoint signed by {@code key}. */
    private static ObjectNode summary(Log log, String nonce, Ed25519KeyPair key) {
        List<LogEntry> ofCvm = log.ofCvm();
        List<JsonNode> payloads = new ArrayList<>();
        history(log).forEach(e -> payloads.add(e.get("payload")));
        CvmHistory.Replay replay = CvmHistory.replay(ofCvm, payloads);
        ObjectNode s = JSON.createObjectNode().put("format", CvmState.FORMAT_V2).put("issued_at", T0.plusSeconds(3600).toString())
                .put("nonce", nonce);
        s.putObject("controller").put("key_id", GoldenKeys.controller().publicKey().keyId()).put("tee", "sev-snp").put("simulated", true);
        ObjectNode cvm = s.putObject("cvm").put("id", CVM).put("name", "web").put("provider", "ssh")
                .put("mode", replay.mode().orElseThrow().wire()).put("address", "root@10.0.0.7:22").put("host_key_pin", PIN)
                .put("host_key", HOST_KEY).put("controller_ssh_key", "ssh-ed25519 AAAAcontroller duet");
        replay.modeSince().ifPresent(m -> cvm.putObject("mode_since").put("seq", m.seq()).put("time", m.at().toString()));
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        int size = log.entries.size();
        LogEntry last = ofCvm.get(ofCvm.size() - 1);
        s.putObject("log").put("size", size).put("head", EntryCodec.hash(log.entries.get(size - 1)).hex())
                .put("checkpoint", checkpoint(key, size, tree.root(0, size)));
        ObjectNode cvmLog = s.putObject("cvm_log").put("size", ofCvm.size()).put("head", EntryCodec.hash(last).hex());
        tree.inclusion(last.seq(), size).forEach(p -> cvmLog.withArray("inclusion").add(p.hex()));
        return s;
    }

    /** A summary saved with its history beside it ({@code duet state --out}). */
    private static ObjectNode saved(ObjectNode summary, ArrayNode history) {
        ObjectNode out = JSON.createObjectNode().put("format", CvmState.SAVED_FORMAT);
        out.set("state", SignedDocument.sign(GoldenKeys.controller(), summary));
        out.set("entries", history);
        return out;
    }

    private static List<Golden> savedStates() {
        Log log = adoptedThenInService();
        List<Golden> out = new ArrayList<>();
        out.add(new Golden("saved-state-v2-honest-in-service.json", "nothing: a v2 summary of an adopted CVM that ran one command, "
                + "then went in-service, saved with its history", "trusted", pretty(saved(summary(log, NONCE, GoldenKeys.controller()),
                history(log)))));
        ObjectNode since = summary(log, NONCE, GoldenKeys.controller());
        ((ObjectNode) since.get("cvm").get("mode_since")).put("seq", 2);
        out.add(new Golden("saved-state-v2-mode-since-earlier.json", "says in-service since entry 2, before the command ran",
                "not trusted: mode since", pretty(saved(since, history(log)))));
        ObjectNode claimed = summary(log, NONCE, GoldenKeys.controller());
        ((ObjectNode) claimed.get("cvm")).putObject("host_key_attestation").put("evidence_source", "tsm").put("simulated", false)
                .put("trust", "AMD roots");
        out.add(new Golden("saved-state-v2-attestation-claimed.json", "claims hardware attestation its history never recorded",
                "not trusted: attestation", pretty(saved(claimed, history(log)))));
        ArrayNode dropped = history(log);
        dropped.remove(2);
        out.add(new Golden("saved-state-v2-entry-dropped.json", "the command's start is left out of the history saved beside the summary",
                "not trusted: history", pretty(saved(summary(log, NONCE, GoldenKeys.controller()), dropped))));
        ObjectNode extra = saved(summary(log, NONCE, GoldenKeys.controller()), history(log));
        extra.put("mode", "in-update");
        out.add(new Golden("saved-state-v2-member-beside-state.json", "a \"mode\" beside the signed summary, which nobody signed",
                "malformed: document", pretty(extra)));
        ObjectNode note = summary(log, NONCE, GoldenKeys.controller());
        ((ObjectNode) note.get("cvm").get("mode_since")).put("note", "switched by hand");
        out.add(new Golden("saved-state-v2-unknown-member.json", "a member the controller never writes (cvm.mode_since.note) in the signed "
                + "summary: no verifier reads it", "malformed: document", pretty(saved(note, history(log)))));
        ObjectNode v1Wrapped = JSON.createObjectNode().put("format", CvmState.SAVED_FORMAT);
        v1Wrapped.set("state", SignedDocument.sign(GoldenKeys.controller(), state(adoptedThenInService(), "in-service")));
        v1Wrapped.putArray("entries").addObject().put("hidden", "read by nobody");
        out.add(new Golden("saved-state-v1-inside.json", "a v1 state (which carries its own history) wrapped as a saved state, with "
                + "entries beside it that nobody would read", "malformed: document", pretty(v1Wrapped)));
        out.add(new Golden("state-v2-summary-alone.json", "nothing, but it is a v2 summary without its history",
                "not trusted: history", pretty(SignedDocument.sign(GoldenKeys.controller(), summary(log, NONCE, GoldenKeys.controller())))));
        return out;
    }

    /** Bundle goldens are checked trusting duet's simulated root, asking with nonce n1, at the evidence goldens' time. */
    static final long SINCE = 6;

    /**
     * The bundle the controller signs (StateComposer): simulated evidence binding the trusted key and
     * {@code nonce}, the summary, entry 0, the CVM's custody entries and the rest of its history (from
     * min(since, the entry that set its mode) on, after an anchor, when {@code since} is given).
     */
    static ObjectNode bundle(Log log, String nonce, Optional<Long> since) {
        Ed25519KeyPair key = GoldenKeys.controller();
        byte[] report = GoldenKeys.resource(nonce.equals("n0") ? "simulated-snp-report-n0.bin" : "simulated-snp-report-n1.bin");
        ObjectNode b = JSON.createObjectNode().put("format", CvmState.BUNDLE_FORMAT).put("issued_at", T0.plusSeconds(3600).toString())
                .put("nonce", nonce);
        b.putObject("controller_key").put("alg", "ed25519").put("key_id", key.publicKey().keyId()).put("public_key", key.publicKey().base64());
        b.set("evidence", SignedDocument.sign(key, attested(key.publicKey(), nonce, "simulated-snp", true, report,
                GoldenKeys.resource("simulated-snp-certificates.bin"))));
        ObjectNode summary = summary(log, nonce, key);
        b.set("state", SignedDocument.sign(key, summary));
        b.set("log", summary.get("log").deepCopy());
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        int size = log.entries.size();
        ObjectNode owners = b.putObject("owners");
        owners.set("entry", EntryCodec.toJson(log.entries.get(0)));
        tree.inclusion(0, size).forEach(p -> owners.withArray("inclusion").add(p.hex()));
        List<LogEntry> ofCvm = log.ofCvm();
        ObjectNode cvm = b.putObject("cvm");
        List<LogEntry> custody = ofCvm.subList(0, 2);
        custody.forEach(e -> cvm.withArray("custody").add(EntryCodec.toJson(e)));
        tree.inclusion(custody.get(1).seq(), size).forEach(p -> cvm.withArray("custody_inclusion").add(p.hex()));
        long from = custody.get(1).seq() + 1;
        if (since.isPresent()) {
            long modeSet = summary.path("cvm").path("mode_since").path("seq").asLong();
            from = Math.max(from, Math.min(since.get(), modeSet));
            cvm.put("since", since.get());
            long first = from;
            Optional<LogEntry> anchor = ofCvm.stream().filter(e -> e.seq() < first && e.seq() > custody.get(1).seq()).reduce((x, y) -> y);
            anchor.ifPresent(a -> {
                ObjectNode node = cvm.putObject("anchor");
                node.set("entry", EntryCodec.toJson(a));
                tree.inclusion(a.seq(), size).forEach(p -> node.withArray("inclusion").add(p.hex()));
            });
            ObjectNode consistency = b.putObject("consistency").put("from", since.get()).put("to", size);
            tree.consistency(since.get(), size).forEach(p -> consistency.withArray("proof").add(p.hex()));
        }
        cvm.putArray("entries");
        for (LogEntry e : ofCvm) {
            if (e.seq() >= from) {
                cvm.withArray("entries").add(EntryCodec.toJson(e));
            }
        }
        return b;
    }

    /** The log after the honest one, for history since its size {@value #SINCE}: back in update, and in service again. */
    static Log updatedAgain() {
        return bundleLog().cvm(new Payload.ModeChanged(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE))
                .cvm(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE));
    }

    /** The checkpoint of size {@value #SINCE} a user trusts before the bundles "since" it. */
    static Checkpoint trustedCheckpoint() {
        Log log = bundleLog();
        return new Checkpoint(ControllerLog.origin(GoldenKeys.controller().publicKey()), SINCE,
                MerkleProofs.over(log.leaves()).root(0, SINCE), List.of());
    }

    private static Golden signedBundle(String file, String wrong, String verdict, ObjectNode payload) {
        return new Golden(file, wrong, verdict, pretty(SignedDocument.sign(GoldenKeys.controller(), payload)));
    }

    private static ObjectNode resigned(ObjectNode bundle, String member, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode inner = (ObjectNode) bundle.get(member).get("payload").deepCopy();
        change.accept(inner);
        bundle.set(member, SignedDocument.sign(GoldenKeys.controller(), inner));
        return bundle;
    }

    private static List<Golden> bundles() {
        Log log = bundleLog();
        List<Golden> out = new ArrayList<>();
        out.add(signedBundle("bundle-honest-in-service.json", "nothing: a controller with simulated attestation, an adopted CVM that ran "
                + "one command and went in-service, answering nonce n1", "trusted", bundle(log, NONCE, Optional.empty())));
        ObjectNode flipped = bundle(log, NONCE, Optional.empty());
        byte[] report = GoldenKeys.resource("simulated-snp-report-n1.bin").clone();
        report[0x90] ^= 1;
        flipped.set("evidence", SignedDocument.sign(GoldenKeys.controller(), attested(GoldenKeys.controller().publicKey(), NONCE,
                "simulated-snp", true, report, GoldenKeys.resource("simulated-snp-certificates.bin"))));
        out.add(signedBundle("bundle-evidence-report-bit-flipped.json", "one bit of the controller's report's MEASUREMENT flipped",
                "not trusted: controller-genuine: snp.signature, controller-genuine: controller.attested", flipped));
        ObjectNode otherKey = bundle(log, NONCE, Optional.empty());
        ((ObjectNode) otherKey.get("controller_key")).put("key_id", GoldenKeys.another().publicKey().keyId())
                .put("public_key", GoldenKeys.another().publicKey().base64());
        out.add(signedBundle("bundle-controller-key-swapped.json", "names another controller's key than its evidence does",
                "not trusted: signed-by-controller: bundle.controller-key", otherKey));
        ObjectNode foreignState = bundle(log, NONCE, Optional.empty());
        foreignState.set("state", SignedDocument.sign(GoldenKeys.another(), summary(log, NONCE, GoldenKeys.controller())));
        out.add(signedBundle("bundle-state-signed-by-another-key.json", "its summary is signed by another controller's key",
                "not trusted: signed-by-controller: state.signature", foreignState));
        out.add(signedBundle("bundle-state-claims-in-update.json", "its summary claims in-update; the history leads to in-service",
                "not trusted: in-service: mode", resigned(bundle(log, NONCE, Optional.empty()), "state",
                        st -> ((ObjectNode) st.get("cvm")).put("mode", "in-update"))));
        ObjectNode edited = bundle(log, NONCE, Optional.empty());
        ObjectNode command = (ObjectNode) edited.get("cvm").get("entries").get(0);
        ((ObjectNode) command.get("payload")).withArray("argv").set(1, JSON.getNodeFactory().textNode("remove"));
        out.add(signedBundle("bundle-entry-edited.json", "the command's argv is not the one logged", "not trusted: complete-history: history",
                edited));
        ObjectNode dropped = bundle(log, NONCE, Optional.empty());
        ((ArrayNode) dropped.get("cvm").get("entries")).remove(0);
        out.add(signedBundle("bundle-entry-dropped.json", "the command's start is left out", "not trusted: complete-history: history",
                dropped));
        ObjectNode reordered = bundle(log, NONCE, Optional.empty());
        ArrayNode entries = (ArrayNode) reordered.get("cvm").get("entries");
        JsonNode firstEntry = entries.get(0);
        entries.set(0, entries.get(1));
        entries.set(1, firstEntry);
        out.add(signedBundle("bundle-entries-reordered.json", "the command's start and end are swapped",
                "not trusted: complete-history: history", reordered));
        out.add(signedBundle("bundle-inclusion-proof-wrong.json", "the proof that the CVM's last entry is in the checkpoint does not hold",
                "not trusted: complete-history: inclusion", resigned(bundle(log, NONCE, Optional.empty()), "state",
                        st -> ((ArrayNode) st.get("cvm_log").get("inclusion")).set(0, JSON.getNodeFactory().textNode(Sha256Hash.ZERO.hex())))));
        ObjectNode foreignCheckpoint = bundle(log, NONCE, Optional.empty());
        String other = checkpoint(GoldenKeys.another(), log.entries.size(), MerkleProofs.over(log.leaves()).root(0, log.entries.size()));
        ((ObjectNode) foreignCheckpoint.get("log")).put("checkpoint", other);
        resigned(foreignCheckpoint, "state", st -> ((ObjectNode) st.get("log")).put("checkpoint", other));
        out.add(signedBundle("bundle-checkpoint-of-another-log.json", "its checkpoint is another controller's log's",
                "not trusted: signed-by-controller: checkpoint.signature", foreignCheckpoint));
        ObjectNode ownerAdded = bundle(log, NONCE, Optional.empty());
        ((ObjectNode) ownerAdded.get("owners").get("entry").get("payload")).withArray("owner_keys").addObject()
                .put("key_id", GoldenKeys.controller().publicKey().keyId()).put("public_key", GoldenKeys.controller().publicKey().base64());
        out.add(signedBundle("bundle-entry-zero-owner-added.json", "entry 0 lists an owner the log never registered",
                "not trusted: complete-history: owners", ownerAdded));
        out.add(signedBundle("bundle-stale-nonce.json", "answers an earlier request (nonce n0): bundle, summary and evidence alike",
                "not trusted: fresh: evidence.freshness, fresh: bundle.freshness, fresh: state.freshness", bundle(log, "n0", Optional.empty())));
        out.add(signedBundle("bundle-command-after-in-service.json", "the controller ran a command in service, logged it and signed all",
                "not trusted: in-service: lifecycle", bundle(bundleLog().cvm(new Payload.CommandStarted("c2",
                        List.of("sh", "-c", "true"), Duration.ofSeconds(30))), NONCE, Optional.empty())));
        Log again = updatedAgain();
        out.add(signedBundle("bundle-since-honest.json", "nothing: the history since the trusted checkpoint of size " + SINCE
                + " (back in update, in service again), an anchor before it, and the consistency proof", "trusted",
                bundle(again, NONCE, Optional.of(SINCE))));
        ObjectNode wrongProof = bundle(again, NONCE, Optional.of(SINCE));
        ((ArrayNode) wrongProof.get("consistency").get("proof")).set(0, JSON.getNodeFactory().textNode(Sha256Hash.ZERO.hex()));
        out.add(signedBundle("bundle-since-consistency-proof-wrong.json", "the consistency proof from the trusted checkpoint does not hold",
                "not trusted: complete-history: consistency", wrongProof));
        ObjectNode skipped = bundle(again, NONCE, Optional.of(SINCE));
        ObjectNode cvm = (ObjectNode) skipped.get("cvm");
        LogEntry switchedBack = again.entries.get((int) SINCE);
        ObjectNode anchor = cvm.putObject("anchor");
        anchor.set("entry", EntryCodec.toJson(switchedBack));
        MerkleProofs.over(again.leaves()).inclusion(SINCE, again.entries.size()).forEach(p -> anchor.withArray("inclusion").add(p.hex()));
        ((ArrayNode) cvm.get("entries")).remove(0);
        out.add(signedBundle("bundle-since-switch-back-hidden.json", "the switch back to in-update after the trusted checkpoint is made "
                + "the anchor, so the history given starts after it", "not trusted: complete-history: anchor", skipped));
        String honest = new String(out.get(0).bytes(), StandardCharsets.UTF_8);
        out.add(new Golden("bundle-duplicate-format-member.json", "a second \"format\" member ahead of the signed one: two readings",
                "malformed: bundle.document", honest.replaceFirst("\"format\" :", "\"format\" : \"duet.bundle/v0\",\n    \"format\" :")
                        .getBytes(StandardCharsets.UTF_8)));
        ObjectNode unknown = bundle(log, NONCE, Optional.empty());
        unknown.putObject("cvm_evidence").putObject("fresh").put("report", "AAAA");
        out.add(signedBundle("bundle-unknown-member.json", "a member its schema does not have (`report`, inside cvm_evidence.fresh), signed",
                "malformed: bundle.document", unknown));
        out.add(signedBundle("bundle-state-unknown-member.json", "its summary carries a member the controller never writes (cvm.comment), "
                + "signed", "not trusted: signed-by-controller: state.document", resigned(bundle(log, NONCE, Optional.empty()), "state",
                        st -> ((ObjectNode) st.get("cvm")).put("comment", "patched by hand"))));
        out.add(signedBundle("bundle-evidence-unknown-member.json", "its evidence carries a member the controller never writes (log.mirror), "
                + "signed", "not trusted: controller-genuine: evidence.document", resigned(bundle(log, NONCE, Optional.empty()), "evidence",
                        ev -> ((ObjectNode) ev.get("log")).put("mirror", "https://example.org/log"))));
        ObjectNode unread = bundle(log, NONCE, Optional.empty());
        unread.putObject("consistency").put("from", 1).put("to", unread.get("log").get("size").asLong()).putArray("proof");
        out.add(signedBundle("bundle-consistency-without-since.json", "a consistency proof without cvm.since, which nothing would read, "
                + "signed", "not trusted: complete-history: consistency", unread));
        ObjectNode unavailable = bundle(log, NONCE, Optional.empty());
        unavailable.putObject("cvm_evidence").put("fresh_unavailable", "CVM " + CVM + " has no fresh evidence: adopted over SSH");
        out.add(signedBundle("bundle-fresh-unavailable-adopted.json", "nothing: the honest bundle with the reason an adopted CVM has no "
                + "fresh report for the nonce (cvm_evidence.fresh_unavailable)", "trusted", unavailable));
        ObjectNode both = bundle(log, NONCE, Optional.empty());
        both.putObject("cvm_evidence").put("fresh_unavailable", "adopted over SSH").set("fresh", unknown.get("cvm_evidence").get("fresh"));
        out.add(signedBundle("bundle-fresh-and-unavailable.json", "cvm_evidence holds both a fresh report and the reason there is none, "
                + "signed", "malformed: bundle.document", both));
        return out;
    }

    private static byte[] pretty(ObjectNode document) {
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
