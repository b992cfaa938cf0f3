package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.ShieldPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * A bundle asked {@code since} a checkpoint the user trusts leaves the CVM's earlier history out, so
 * it carries the {@code policy.set} in force where the history given resumes (issue 12): the
 * decisions after it are judged by that policy, and a bundle that gives another entry, an older
 * policy or none when one was set after the custody entries fails.
 */
class SinceBundlePolicyTest {
    private static final String STATUS = "{\"id\":\"status\",\"effect\":\"allow\",\"modes\":[\"in-service\"],\"exec\":[\"systemctl\",\"status\",\"*\"]}";
    private static final String NO_RM = "{\"id\":\"no-rm\",\"effect\":\"deny\",\"modes\":[\"in-update\",\"in-service\"],\"exec\":[\"rm\",\"**\"]}";
    private static final String JOURNAL = "{\"id\":\"journal\",\"effect\":\"allow\",\"modes\":[\"in-service\"],\"exec\":[\"journalctl\",\"-n\",\"*\"]}";
    private static final Payload.Output EMPTY = new Payload.Output("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, false);
    /** The size of the log the user verified before: through the switch back in-service. */
    private static final long SINCE = 10;
    private static final long V1_SEQ = 3;
    private static final long V2_SEQ = 6;

    /** Policy v1 set with the CVM, v2 (which adds the journal rule) set in a later in-update window, then one command in-service. */
    private static GoldenDocuments.Log history(List<String> inService) throws Exception {
        ShieldPolicy v1 = PolicyReplayTest.policy(STATUS + "," + NO_RM, "");
        ShieldPolicy v2 = PolicyReplayTest.policy(JOURNAL + "," + STATUS + "," + NO_RM, "");
        Ed25519PublicKey owner = GoldenKeys.another().publicKey();
        return new GoldenDocuments.Log().add(Optional.empty(), new Payload.OwnerRegistered(List.of(new Payload.OwnerKey(owner.keyId(),
                        owner.base64())), GoldenKeys.controller().publicKey().keyId()))
                .cvm(new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", GoldenDocuments.PIN, ".ssh/authorized_keys",
                        "ssh-ed25519 AAAAcontroller duet"))
                .cvm(new Payload.Adopted(GoldenDocuments.HOST_KEY, GoldenDocuments.PIN, List.of("host key matches the pin"), Optional.empty()))
                .cvm(Payload.PolicySet.fromDefault(1, v1, PolicyCodec.sha256(v1)))
                .cvm(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE))
                .cvm(new Payload.ModeChanged(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE))
                .cvm(Payload.PolicySet.byOwner(2, v2, PolicyCodec.sha256(v2), List.of(), 0))
                .cvm(new Payload.CommandStarted("c0", List.of("apt-get", "upgrade"), Duration.ofSeconds(30), Optional.of("default:in-update")))
                .cvm(new Payload.CommandCompleted("c0", OptionalInt.of(0), Optional.empty(), false, EMPTY, EMPTY))
                .cvm(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE))
                .cvm(new Payload.CommandStarted("c1", inService, Duration.ofSeconds(30), Optional.of("journal")))
                .cvm(new Payload.CommandCompleted("c1", OptionalInt.of(0), Optional.empty(), false, EMPTY, EMPTY));
    }

    /**
     * The bundle since {@value #SINCE} as the controller signs it, its summary naming the policy in
     * force the whole history leads to, carrying entry {@code carried} (if any) as the policy in
     * force at the anchor, with the inclusion proof of entry {@code provedAs}.
     */
    private static byte[] bundle(GoldenDocuments.Log log, Optional<Long> since, Optional<Long> carried, long provedAs) {
        ObjectNode payload = GoldenDocuments.bundle(log, GoldenDocuments.NONCE, since);
        ObjectNode summary = (ObjectNode) payload.get("state").get("payload").deepCopy();
        CvmState.putPolicy((ObjectNode) summary.get("cvm"), CvmHistory.Replay.initial().then(log.ofCvm()));
        payload.set("state", SignedDocument.sign(GoldenKeys.controller(), summary));
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        carried.ifPresent(seq -> {
            ObjectNode policy = ((ObjectNode) payload.get("cvm")).putObject("policy");
            policy.set("entry", EntryCodec.toJson(log.entries.get((int) (long) seq)));
            tree.inclusion(provedAs, log.entries.size()).forEach(p -> policy.withArray("inclusion").add(p.hex()));
        });
        return SignedDocument.sign(GoldenKeys.controller(), payload).toString().getBytes(StandardCharsets.UTF_8);
    }

    private static BundleVerdict verify(GoldenDocuments.Log log, byte[] bundle) throws Exception {
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        Checkpoint trusted = new Checkpoint(ControllerLog.origin(GoldenKeys.controller().publicKey()), SINCE, tree.root(0, SINCE), List.of());
        BundleTrust trust = new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(
                ControllerEvidenceVerifier.fingerprint(SevCertificateTable.parse(Octets.copyOf(GoldenKeys.resource("simulated-snp-certificates.bin")))
                        .find(SevCertificateTable.ARK).orElseThrow())),
                AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), Optional.of(GoldenDocuments.NONCE), Optional.of(trusted),
                GoldenDocumentsTest.EVIDENCE_TIME);
        return BundleVerifier.verify(bundle, trust);
    }

    private static List<String> failures(BundleVerdict verdict) {
        return verdict.failures().stream().map(g -> g.check().id() + ": " + g.check().describe()).toList();
    }

    @Test
    void theDecisionsAfterTheAnchorAreJudgedByThePolicyInForceThere() throws Exception {
        GoldenDocuments.Log log = history(List.of("journalctl", "-n", "50"));
        byte[] bundle = bundle(log, Optional.of(SINCE), Optional.of(V2_SEQ), V2_SEQ);
        assertThat(GoldenDocuments.bundle(log, GoldenDocuments.NONCE, Optional.of(SINCE)).path("cvm").path("anchor").path("entry")
                .path("seq").asLong()).as("the anchor is the entry before the switch, after policy v2").isEqualTo(8);
        BundleVerdict verdict = verify(log, bundle);
        assertThat(failures(verdict)).isEmpty();
        assertThat(verdict.checksOf(Guarantee.IN_SERVICE)).filteredOn(c -> c.id().equals("policy")).singleElement()
                .satisfies(c -> assertThat(c.describe()).doesNotContain("not judged").contains("version 2"));
        assertThat(verdict.checksOf(Guarantee.COMPLETE_HISTORY)).extracting(Check::id).contains("policy", "policy.inclusion");
    }

    @Test
    void aCommandThePolicyInForceAtTheAnchorDeniesIsCaughtInTheHistoryGiven() throws Exception {
        GoldenDocuments.Log log = history(List.of("rm", "-rf", "/var/lib/app"));
        assertThat(failures(verify(log, bundle(log, Optional.of(SINCE), Optional.of(V2_SEQ), V2_SEQ)))).singleElement().asString()
                .startsWith("lifecycle").contains("although policy version 2 refuses it (no-rm");
    }

    @Test
    void anOlderPolicyOrNoneWhereOneWasSetAfterCustodyFails() throws Exception {
        GoldenDocuments.Log log = history(List.of("journalctl", "-n", "50"));
        assertThat(failures(verify(log, bundle(log, Optional.of(SINCE), Optional.of(V1_SEQ), V1_SEQ)))).as("version 1 carried")
                .anySatisfy(f -> assertThat(f).startsWith("lifecycle").contains("policy version 1 refuses it"));
        assertThat(failures(verify(log, bundle(log, Optional.of(SINCE), Optional.empty(), 0)))).as("none carried")
                .anySatisfy(f -> assertThat(f).startsWith("lifecycle"));
    }

    @Test
    void aCarriedEntryThatIsNoPolicySetOfThisCvmOrIsNotProvedFails() throws Exception {
        GoldenDocuments.Log log = history(List.of("journalctl", "-n", "50"));
        assertThat(failures(verify(log, bundle(log, Optional.of(SINCE), Optional.of(7L), 7)))).singleElement().asString()
                .startsWith("policy: ").contains("cannot be it");
        assertThat(failures(verify(log, bundle(log, Optional.of(SINCE), Optional.of(V2_SEQ), 7)))).singleElement().asString()
                .startsWith("policy.inclusion");
        assertThat(failures(verify(log, bundle(log, Optional.of(SINCE), Optional.of(10L), 10)))).as("after the anchor")
                .singleElement().asString().startsWith("policy: ");
        assertThat(failures(verify(log, bundle(log, Optional.empty(), Optional.of(V2_SEQ), V2_SEQ)))).as("no anchor")
                .anySatisfy(f -> assertThat(f).startsWith("policy: ").contains("an anchor it does not have"));
    }
}
