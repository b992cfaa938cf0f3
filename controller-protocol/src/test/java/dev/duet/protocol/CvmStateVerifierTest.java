package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The verifier against histories a dishonest controller or a tampering host could produce: each
 * must be caught, even when the controller signs the lie.
 */
class CvmStateVerifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CVM = "cvm-0123456789abcdef";
    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    private final Ed25519KeyPair controller = Ed25519KeyPair.generate();

    /** Builds a correctly chained history for one CVM, interleaved with other log entries. */
    private static final class History {
        final List<LogEntry> entries = new ArrayList<>();
        long seq = 1;
        Sha256Hash prevGlobal = Sha256Hash.of(new byte[] {1});

        History add(String kind, ObjectNode payload) {
            Sha256Hash subjectPrev = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
            LogEntry e = new LogEntry(seq, Instant.parse("2026-11-23T00:00:00Z").plusSeconds(seq), Optional.of(CVM), "owner:x", kind,
                    EntryCodec.canonical(payload), prevGlobal, Optional.of(subjectPrev));
            entries.add(e);
            prevGlobal = EntryCodec.hash(e);
            seq += 2;
            return this;
        }

        History add(Payload payload) {
            return add(payload.kind().wire(), PayloadCodec.encode(payload));
        }
    }

    private static final String PIN = OpenSshFingerprint.of(HOST_KEY).orElseThrow();

    private static Payload sshAdoption(String pin) {
        return new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", pin, ".ssh/authorized_keys", "ssh-ed25519 AAAAcontroller duet");
    }

    private static Payload adopted(String hostKey) {
        return new Payload.Adopted(hostKey, PIN, List.of("host key matches the pin"), Optional.empty());
    }

    private static Payload started(String commandId) {
        return new Payload.CommandStarted(commandId, List.of("apt-get", "upgrade"), Duration.ofSeconds(30));
    }

    private static Payload completed(String commandId) {
        Payload.Output empty = new Payload.Output("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, false);
        return new Payload.CommandCompleted(commandId, OptionalInt.of(0), Optional.empty(), false, empty, empty);
    }

    private static Payload modeChanged(CvmMode from, CvmMode to) {
        return new Payload.ModeChanged(from, to);
    }

    private static Payload stopped(CvmMode from) {
        return new Payload.Stopped(from, false);
    }

    private static History adoptedThenInService() {
        return new History()
                .add(sshAdoption(PIN))
                .add(adopted(HOST_KEY))
                .add(started("c1"))
                .add(completed("c1"))
                .add(modeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE))
                .add(new Payload.RequestRefused("POST", "/v1/cvms/" + CVM + "/commands", "mode-forbids", "CVM is in-service",
                        Optional.of(List.of("true"))));
    }

    /** A log of 100 entries whose leaves at the CVM entries' positions are those entries; the rest is filler. */
    private ObjectNode state(List<LogEntry> entries, String mode, Consumer<ObjectNode> edit) {
        ObjectNode s = JSON.createObjectNode().put("format", CvmState.FORMAT).put("nonce", "n1");
        s.putObject("cvm").put("id", CVM).put("name", "web").put("provider", "ssh").put("mode", mode).put("host_key", HOST_KEY);
        List<Sha256Hash> leaves = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            leaves.add(MerkleHashes.leaf(new byte[] {(byte) i}));
        }
        entries.forEach(e -> leaves.set((int) e.seq(), MerkleHashes.leaf(EntryCodec.encode(e))));
        MerkleProofs tree = MerkleProofs.over(leaves);
        Checkpoint checkpoint = new Checkpoint(ControllerLog.origin(controller.publicKey()), 100, tree.root(0, 100), List.of());
        String note = SignedNote.sign(checkpoint.text(), ControllerLog.verifierKey(controller.publicKey()), controller::sign).encode();
        s.putObject("log").put("size", 100).put("head", Sha256Hash.ZERO.hex()).put("checkpoint", note);
        ObjectNode cvmLog = s.putObject("cvm_log").put("size", entries.size()).put("head", EntryCodec.hash(entries.get(entries.size() - 1)).hex());
        ArrayNode inclusion = cvmLog.putArray("inclusion");
        tree.inclusion(entries.get(entries.size() - 1).seq(), 100).forEach(p -> inclusion.add(p.hex()));
        ArrayNode list = s.putArray("entries");
        entries.forEach(e -> list.add(EntryCodec.toJson(e)));
        edit.accept(s);
        return s;
    }

    private StateVerdict verify(ObjectNode state) {
        return CvmStateVerifier.verify(SignedDocument.sign(controller, state), controller.publicKey(),
                new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of("n1")));
    }

    private static List<String> failed(StateVerdict v) {
        return v.failures().stream().map(Check::id).toList();
    }

    /** The committed golden (src/test/resources/golden, README.md there): the facts come from its history. */
    @Test
    void anHonestStateIsTrustedWithItsFacts() throws Exception {
        StateVerdict v = CvmStateVerifier.verify(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("src/test/resources/golden/state-honest-in-service.json")),
                GoldenKeys.controller().publicKey(), new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of(GoldenDocuments.NONCE)));
        assertThat(v.failures()).isEmpty();
        assertThat(v.trusted()).isTrue();
        StateVerdict.Facts f = v.facts().orElseThrow();
        assertThat(f.mode()).isEqualTo(CvmMode.IN_SERVICE);
        assertThat(f.inServiceSince()).hasValue(5);
        assertThat(f.commandsRun()).isEqualTo(1);
        assertThat(f.entries()).isEqualTo(5);
        assertThat(f.logSize()).isEqualTo(6);
    }

    @Test
    void anotherKeysSignatureOrAnyEditAfterSigningFails() {
        ObjectNode signed = SignedDocument.sign(Ed25519KeyPair.generate(), state(adoptedThenInService().entries, "in-service", s -> {}));
        assertThat(failed(CvmStateVerifier.verify(signed, controller.publicKey(), CvmStateVerifier.Expectations.none()))).containsExactly("signature");

        ObjectNode good = SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service", s -> {}));
        ((ObjectNode) good.get("payload").get("cvm")).put("mode", "in-update");
        assertThat(failed(CvmStateVerifier.verify(good, controller.publicKey(), CvmStateVerifier.Expectations.none()))).containsExactly("signature");

        ObjectNode garbage = JSON.createObjectNode().put("payload", "x");
        assertThat(CvmStateVerifier.verify(garbage, controller.publicKey(), CvmStateVerifier.Expectations.none()).trusted()).isFalse();
    }

    /**
     * The bytes a user holds, not a tree: a signed state with a second reading (a duplicate member,
     * a second document, an unpaired surrogate where the controller signed the '?' UTF-8 writes for
     * it) is not trusted, and says why.
     */
    @Test
    void aStateWithASecondReadingIsNotTrusted() throws Exception {
        String signed = JSON.writeValueAsString(SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service",
                s -> ((ObjectNode) s.get("cvm")).put("name", "web?"))));
        CvmStateVerifier.Expectations expected = new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of("n1"));
        assertThat(CvmStateVerifier.verify(signed.getBytes(StandardCharsets.UTF_8), controller.publicKey(), expected).trusted()).isTrue();
        for (String crafted : List.of(signed.replace("\"mode\":", "\"mode\":\"in-update\",\"mode\":"), signed + signed,
                signed.replace("web?", "web\\ud800"))) {
            StateVerdict verdict = CvmStateVerifier.verify(crafted.getBytes(StandardCharsets.UTF_8), controller.publicKey(), expected);
            assertThat(failed(verdict)).containsExactly("document");
            assertThat(verdict.facts()).isEmpty();
        }
        JsonNode lenient = JSON.readTree(signed.replace("web?", "web\\ud800"));
        assertThat(failed(CvmStateVerifier.verify(lenient, controller.publicKey(), expected))).as("a tree read leniently").containsExactly("signature");
    }

    /**
     * The signature covers the payload only: a member beside it (a "mode" the reader might take for
     * the CVM's), or one inside the signature, is one nobody signed, and the document is malformed.
     */
    @Test
    void membersNobodySignedBesideThePayloadOrInTheSignatureAreNotTrusted() {
        CvmStateVerifier.Expectations expected = new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of("n1"));
        ObjectNode honest = SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service", s -> {}));
        assertThat(CvmStateVerifier.verify(honest, controller.publicKey(), expected).trusted()).isTrue();
        Map<String, Consumer<ObjectNode>> edits = new LinkedHashMap<>();
        edits.put("'mode'", d -> d.put("mode", "in-update"));
        edits.put("'cvm'", d -> d.putObject("cvm").put("mode", "in-update"));
        edits.put("'note'", d -> ((ObjectNode) d.get("signature")).put("note", "checked by the provider"));
        edits.put("'key_id' is not a string", d -> ((ObjectNode) d.get("signature")).putArray("key_id").add(controller.publicKey().keyId()));
        for (Map.Entry<String, Consumer<ObjectNode>> edit : edits.entrySet()) {
            ObjectNode crafted = honest.deepCopy();
            edit.getValue().accept(crafted);
            StateVerdict verdict = CvmStateVerifier.verify(crafted, controller.publicKey(), expected);
            assertThat(failed(verdict)).as(edit.getKey()).containsExactly("document");
            assertThat(verdict.checks().get(0).detail()).as(edit.getKey()).contains(edit.getKey());
            assertThat(verdict.facts()).isEmpty();
        }
    }

    /** Ed25519 signatures are 64 bytes: base64 ends in '==' and the last digit before it has four unused bits. */
    @Test
    void aSignatureValueSpeltAnyOtherWayThanCanonicalBase64IsNotTrusted() {
        ObjectNode honest = SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service", s -> {}));
        String value = honest.get("signature").get("value").asText();
        CvmStateVerifier.Expectations expected = new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of("n1"));
        assertThat(CvmStateVerifier.verify(honest, controller.publicKey(), expected).trusted()).isTrue();
        char last = value.charAt(value.length() - 3);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char sameBits = alphabet.charAt(alphabet.indexOf(last) ^ 1);
        for (String respelt : List.of(value.substring(0, value.length() - 2), value.substring(0, value.length() - 3) + sameBits + "==")) {
            ObjectNode crafted = honest.deepCopy();
            ((ObjectNode) crafted.get("signature")).put("value", respelt);
            StateVerdict verdict = CvmStateVerifier.verify(crafted, controller.publicKey(), expected);
            assertThat(verdict.trusted()).as(respelt).isFalse();
            assertThat(verdict.checks().toString()).as(respelt).contains("not canonical base64");
        }
    }

    @Test
    void aCheckpointByAnotherKeyOfAnotherSizeOrAWrongInclusionProofIsCaught() {
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        ObjectNode foreign = state(adoptedThenInService().entries, "in-service", s -> ((ObjectNode) s.get("log")).put("checkpoint",
                SignedNote.sign(new Checkpoint(ControllerLog.origin(controller.publicKey()), 100, Sha256Hash.ZERO, List.of()).text(),
                        ControllerLog.verifierKey(other.publicKey()), other::sign).encode()));
        assertThat(failed(verify(foreign))).containsExactly("checkpoint");

        ObjectNode otherSize = state(adoptedThenInService().entries, "in-service", s -> ((ObjectNode) s.get("log")).put("size", 101));
        assertThat(failed(verify(otherSize))).contains("checkpoint");

        ObjectNode badPath = state(adoptedThenInService().entries, "in-service", s -> ((ArrayNode) s.get("cvm_log").get("inclusion")).set(0,
                JSON.getNodeFactory().textNode(Sha256Hash.ZERO.hex())));
        assertThat(failed(verify(badPath))).containsExactly("inclusion");

        ObjectNode noPath = state(adoptedThenInService().entries, "in-service", s -> ((ObjectNode) s.get("cvm_log")).putArray("inclusion"));
        assertThat(failed(verify(noPath))).containsExactly("inclusion");
    }

    /** A history that is not the one in the log (a rewritten entry, re-chained and re-signed) fails inclusion. */
    @Test
    void aRewrittenHistoryThatIsNotInTheCheckpointedLogIsCaught() {
        History honest = adoptedThenInService();
        History rewritten = new History()
                .add(sshAdoption(PIN))
                .add(adopted(HOST_KEY))
                .add(modeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE));
        ObjectNode s = state(honest.entries, "in-service", x -> {
            ArrayNode list = x.putArray("entries");
            rewritten.entries.forEach(e -> list.add(EntryCodec.toJson(e)));
            ((ObjectNode) x.get("cvm_log")).put("size", 3).put("head", EntryCodec.hash(rewritten.entries.get(2)).hex());
        });
        assertThat(failed(verify(s))).containsExactly("inclusion");
    }

    @Test
    void aRewrittenEntryOrReorderedEntriesAreCaught() {
        List<LogEntry> entries = new ArrayList<>(adoptedThenInService().entries);
        LogEntry e = entries.get(2);
        String another = EntryCodec.canonical(PayloadCodec.encode(started("other")));
        entries.set(2, new LogEntry(e.seq(), e.time(), e.subject(), e.actor(), e.kind(), another, e.prev(), e.subjectPrev()));
        assertThat(failed(verify(state(entries, "in-service", s -> {})))).contains("history");

        List<LogEntry> swapped = new ArrayList<>(adoptedThenInService().entries);
        java.util.Collections.swap(swapped, 3, 4);
        assertThat(failed(verify(state(swapped, "in-service", s -> {})))).contains("history");
    }

    @Test
    void aTruncatedHistoryWithAClaimedHeadFromTheFullOneIsCaught() {
        List<LogEntry> all = adoptedThenInService().entries;
        ObjectNode truncated = state(all.subList(0, 4), "in-update", s -> s.putObject("cvm_log").put("size", 6).put("head", EntryCodec.hash(all.get(5)).hex()));
        assertThat(failed(verify(truncated))).contains("history");
    }

    @Test
    void aCommandStartedWhileInServiceIsCaught() {
        History h = adoptedThenInService().add(started("sneaky"));
        StateVerdict v = verify(state(h.entries, "in-service", s -> {}));
        assertThat(failed(v)).contains("lifecycle");
        assertThat(v.failures().get(0).detail()).contains("command [apt-get, upgrade] ran in-service without the rule that allowed it");
    }

    /**
     * Histories the controller never writes, each claiming the mode the entries lead to: the replay
     * holds them to the controller's lifecycle ({@link Lifecycle}), not to a looser one of its own.
     */
    private record Broken(String problem, String claimedMode, History history) {}

    @Test
    void aHistoryTheControllerNeverWritesBreaksTheLifecycle() {
        List<Broken> cases = List.of(
                new Broken("failed while stopped", "failed",
                        adoptedThenInService().add(stopped(CvmMode.IN_SERVICE)).add(new Payload.Failed("lost"))),
                new Broken("command ended while stopped", "stopped",
                        adoptedThenInService().add(stopped(CvmMode.IN_SERVICE)).add(completed("c1"))),
                new Broken("file write ended while in-service", "in-service",
                        adoptedThenInService().add(new Payload.FileWriteFailed("t1", "channel closed"))),
                new Broken("stopped from in-service while stopped", "stopped",
                        adoptedThenInService().add(stopped(CvmMode.IN_SERVICE)).add(stopped(CvmMode.IN_SERVICE))),
                new Broken("stopped from in-update while in-service", "stopped",
                        adoptedThenInService().add(stopped(CvmMode.IN_UPDATE))),
                new Broken("stopped from provisioning while provisioning", "stopped",
                        new History().add(sshAdoption(PIN)).add(stopped(CvmMode.PROVISIONING))),
                new Broken("mode change from in-update to in-update while in-update", "in-update",
                        new History().add(sshAdoption(PIN)).add(adopted(HOST_KEY)).add(modeChanged(CvmMode.IN_UPDATE, CvmMode.IN_UPDATE))),
                new Broken("owner.registered is never on a CVM's history", "in-service", adoptedThenInService()
                        .add(new Payload.OwnerRegistered(List.of(new Payload.OwnerKey("ab", "AAAA")), "cd"))));
        for (Broken c : cases) {
            StateVerdict v = verify(state(c.history().entries, c.claimedMode(), s -> {}));
            assertThat(failed(v)).as(c.problem()).contains("lifecycle");
            assertThat(v.failures().get(0).detail()).as(c.problem()).contains(c.problem());
            assertThat(v.trusted()).as(c.problem()).isFalse();
        }
    }

    @Test
    void aSwappedHostKeyOrOneThatMissesThePinIsCaught() {
        assertThat(failed(verify(state(adoptedThenInService().entries, "in-service", s -> ((ObjectNode) s.get("cvm")).put("host_key", "ssh-ed25519 AAAAother")))))
                .contains("host key");
        History wrongPin = new History()
                .add(sshAdoption("SHA256:" + "B".repeat(43)))
                .add(adopted(HOST_KEY));
        assertThat(failed(verify(state(wrongPin.entries, "in-update", s -> {})))).containsExactly("host key pin");
    }

    @Test
    void anotherCvmsStateOrAStaleNonceIsCaught() {
        ObjectNode s = state(adoptedThenInService().entries, "in-service", x -> x.put("nonce", "old"));
        assertThat(failed(verify(s))).containsExactly("freshness");
        StateVerdict other = CvmStateVerifier.verify(SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service", x -> {})),
                controller.publicKey(), new CvmStateVerifier.Expectations(Optional.of("cvm-ffffffffffffffff"), Optional.empty()));
        assertThat(failed(other)).contains("cvm id");
    }

    /** A CVM asked about by name (names are unique among listed CVMs): the signed state must carry that name, or that id. */
    @Test
    void aCvmAskedAboutByNameMustBeTheOneTheStateNames() {
        ObjectNode signed = SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service", x -> {}));
        assertThat(CvmStateVerifier.verify(signed, controller.publicKey(), new CvmStateVerifier.Expectations(Optional.of("web"), Optional.empty()))
                .trusted()).isTrue();
        StateVerdict another = CvmStateVerifier.verify(signed, controller.publicKey(),
                new CvmStateVerifier.Expectations(Optional.of("db"), Optional.empty()));
        assertThat(failed(another)).containsExactly("cvm id");
        ObjectNode idAsName = SignedDocument.sign(controller, state(adoptedThenInService().entries, "in-service",
                x -> ((ObjectNode) x.get("cvm")).put("name", "cvm-ffffffffffffffff")));
        assertThat(failed(CvmStateVerifier.verify(idAsName, controller.publicKey(),
                new CvmStateVerifier.Expectations(Optional.of("cvm-ffffffffffffffff"), Optional.empty())))).as("an id is never matched as a name")
                .contains("cvm id");
    }

    @Test
    void unknownEntryKindsAndMalformedEntriesAreCaught() {
        History h = adoptedThenInService().add("mystery", JSON.createObjectNode());
        assertThat(failed(verify(state(h.entries, "in-service", s -> {})))).contains("lifecycle");
        ObjectNode malformed = state(adoptedThenInService().entries, "in-service", s -> ((ObjectNode) s.get("entries").get(1)).put("seq", "one"));
        assertThat(failed(verify(malformed))).containsExactly("history");
    }

    /**
     * A payload that is not the one its kind has (a member missing, of the wrong type or unknown,
     * a mode or hex value that does not parse) is not what the controller writes: the verdict says
     * so at that entry, and no exception escapes the verifier.
     */
    @Test
    void aPayloadThatDoesNotMatchItsKindIsNotTrusted() {
        List<ObjectNode> wrong = List.of(
                PayloadCodec.encode(adopted(HOST_KEY)).put("host_key", 7),
                PayloadCodec.encode(adopted(HOST_KEY)).put("owner", "mallory"),
                (ObjectNode) PayloadCodec.encode(adopted(HOST_KEY)).without("checks"),
                PayloadCodec.encode(adopted(HOST_KEY)).put("vm_pid", 12));
        for (ObjectNode payload : wrong) {
            History h = new History().add(sshAdoption(PIN)).add(EntryKind.CVM_ADOPTED.wire(), payload);
            StateVerdict v = verify(state(h.entries, "in-update", s -> {}));
            assertThat(failed(v)).as(payload.toString()).contains("lifecycle");
            assertThat(v.failures().get(0).detail()).as(payload.toString()).contains("entry 3: not an entry the controller writes: cvm.adopted");
        }
        History badMode = adoptedThenInService().add(EntryKind.MODE_CHANGED.wire(), PayloadCodec.encode(modeChanged(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE))
                .put("to", "in-limbo"));
        assertThat(verify(state(badMode.entries, "in-service", s -> {})).failures().get(0).detail())
                .contains("not an entry the controller writes: mode.changed.to names no mode");
    }
}
