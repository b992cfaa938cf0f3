package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The state verifier's replay of a switch to in-service that logged fresh evidence (DESIGN §4): the
 * report must cover the head just before the switch and bind the adopted host key and the logged
 * nonce; a stale, replayed or re-labelled one fails, and a history without any still verifies.
 */
class ReAttestationReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CVM = "cvm-0123456789abcdef";
    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    private static final byte[] BLOB = Base64.getDecoder().decode(HOST_KEY.split(" ")[1]);
    private static final String PIN = OpenSshFingerprint.of(HOST_KEY).orElseThrow();
    private final Ed25519KeyPair controller = Ed25519KeyPair.generate();

    private final List<LogEntry> entries = new ArrayList<>();
    private long seq = 1;
    private Sha256Hash prevGlobal = Sha256Hash.of(new byte[] {1});

    private void add(Payload payload) {
        Sha256Hash subjectPrev = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
        LogEntry e = new LogEntry(seq, Instant.parse("2026-12-01T00:00:00Z").plusSeconds(seq), Optional.of(CVM), "owner:x",
                payload.kind().wire(), EntryCodec.canonical(PayloadCodec.encode(payload)), prevGlobal, Optional.of(subjectPrev));
        entries.add(e);
        prevGlobal = EntryCodec.hash(e);
        seq += 2;
    }

    private CvmFreshBinding.LogHead head() {
        return new CvmFreshBinding.LogHead(entries.size(), Octets.copyOf(EntryCodec.hash(entries.get(entries.size() - 1)).toByteArray()));
    }

    /** An adopted CVM that ran one command: the history a switch to in-service follows. */
    private void adoptedAndUpdated() {
        add(new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", PIN, ".ssh/authorized_keys", "ssh-ed25519 AAAAcontroller duet"));
        add(new Payload.Adopted(HOST_KEY, PIN, List.of("host key matches the pin"), Optional.empty()));
        add(new Payload.CommandStarted("c1", List.of("apt-get", "upgrade"), Duration.ofSeconds(30)));
        Payload.Output empty = new Payload.Output("", Sha256Hash.of(new byte[0]).hex(), 0, false);
        add(new Payload.CommandCompleted("c1", OptionalInt.of(0), Optional.empty(), false, empty, empty));
    }

    /** The switch, logging a report that binds {@code boundNonce} and {@code boundHead} but claiming {@code loggedNonce} and {@code loggedHead}. */
    private void switchWith(String boundNonce, CvmFreshBinding.LogHead boundHead, String loggedNonce, CvmFreshBinding.LogHead loggedHead)
            throws Exception {
        Octets reportData = CvmFreshBinding.reportData(BLOB, boundNonce, boundHead);
        SelfSignedSnpReport signed = SelfSignedSnpReport.carrying(reportData);
        add(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE, Optional.of(new Payload.ReAttestation.Fresh("simulated-snp", true,
                "self-made root", loggedNonce, loggedHead.size(), loggedHead.hash(), reportData, signed.report(), signed.vcek(), List.of()))));
    }

    private StateVerdict verify() {
        ObjectNode s = JSON.createObjectNode().put("format", CvmState.FORMAT).put("nonce", "n1");
        s.putObject("cvm").put("id", CVM).put("name", "web").put("provider", "ssh").put("mode", "in-service").put("host_key", HOST_KEY);
        List<Sha256Hash> leaves = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            leaves.add(MerkleHashes.leaf(new byte[] {(byte) i}));
        }
        entries.forEach(e -> leaves.set((int) e.seq(), MerkleHashes.leaf(EntryCodec.encode(e))));
        MerkleProofs tree = MerkleProofs.over(leaves);
        Checkpoint checkpoint = new Checkpoint(ControllerLog.origin(controller.publicKey()), 40, tree.root(0, 40), List.of());
        String note = SignedNote.sign(checkpoint.text(), ControllerLog.verifierKey(controller.publicKey()), controller::sign).encode();
        s.putObject("log").put("size", 40).put("head", Sha256Hash.ZERO.hex()).put("checkpoint", note);
        LogEntry last = entries.get(entries.size() - 1);
        ObjectNode cvmLog = s.putObject("cvm_log").put("size", entries.size()).put("head", EntryCodec.hash(last).hex());
        ArrayNode inclusion = cvmLog.putArray("inclusion");
        tree.inclusion(last.seq(), 40).forEach(p -> inclusion.add(p.hex()));
        ArrayNode list = s.putArray("entries");
        entries.forEach(e -> list.add(EntryCodec.toJson(e)));
        return CvmStateVerifier.verify(SignedDocument.sign(controller, s), controller.publicKey(),
                new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of("n1")));
    }

    private static Optional<Check> reAttestation(StateVerdict verdict) {
        return verdict.checks().stream().filter(c -> c.id().equals("in-service attestation")).findFirst();
    }

    @Test
    void aSwitchThatLoggedAReportBoundToTheHeadBeforeItVerifies() throws Exception {
        adoptedAndUpdated();
        CvmFreshBinding.LogHead before = head();
        switchWith("in-service-1", before, "in-service-1", before);
        StateVerdict verdict = verify();
        assertThat(verdict.failures()).isEmpty();
        assertThat(reAttestation(verdict).orElseThrow().reason()).contains("SIMULATED").contains("the log head before the switch");
        assertThat(verdict.facts().orElseThrow().inServiceSince()).hasValue(entries.get(4).seq());
    }

    @Test
    void aReportReplayedFromAnEarlierHeadFails() throws Exception {
        adoptedAndUpdated();
        CvmFreshBinding.LogHead before = head();
        CvmFreshBinding.LogHead earlier = new CvmFreshBinding.LogHead(2, Octets.copyOf(EntryCodec.hash(entries.get(1)).toByteArray()));
        switchWith("in-service-1", earlier, "in-service-1", before);
        Check replayed = reAttestation(verify()).orElseThrow();
        assertThat(replayed.passed()).isFalse();
        assertThat(replayed.reason()).contains("replayed");
    }

    @Test
    void aReportLoggedAsCoveringAnEarlierHeadFails() throws Exception {
        adoptedAndUpdated();
        CvmFreshBinding.LogHead earlier = new CvmFreshBinding.LogHead(2, Octets.copyOf(EntryCodec.hash(entries.get(1)).toByteArray()));
        switchWith("in-service-1", earlier, "in-service-1", earlier);
        Check replayed = reAttestation(verify()).orElseThrow();
        assertThat(replayed.passed()).isFalse();
        assertThat(replayed.reason()).contains("does not cover the log head just before the switch");
    }

    @Test
    void aReportForAnotherNonceThanTheLoggedOneFails() throws Exception {
        adoptedAndUpdated();
        CvmFreshBinding.LogHead before = head();
        switchWith("in-service-0", before, "in-service-1", before);
        Check stale = reAttestation(verify()).orElseThrow();
        assertThat(stale.passed()).isFalse();
        assertThat(stale.reason()).contains("stale");
    }

    @Test
    void aHistoryWithoutReAttestationStillVerifiesAndAddsNoCheck() {
        adoptedAndUpdated();
        add(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE));
        StateVerdict old = verify();
        assertThat(old.failures()).isEmpty();
        assertThat(reAttestation(old)).isEmpty();
    }

    @Test
    void aSwitchThatSaysNoFreshEvidenceExistsVerifiesAndAddsNoCheck() {
        adoptedAndUpdated();
        add(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE, Optional.of(new Payload.ReAttestation.Unavailable("adopted over SSH"))));
        StateVerdict verdict = verify();
        assertThat(verdict.failures()).isEmpty();
        assertThat(reAttestation(verdict)).isEmpty();
    }
}
