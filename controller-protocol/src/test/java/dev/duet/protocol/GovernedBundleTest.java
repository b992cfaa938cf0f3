package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.entry.Payload;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bundle verifier against k-of-n histories the controller signed (issue 12, item 4): a switch
 * to in-update needs the approvals of k distinct owner keys in force when it was logged (entry 0,
 * then each owner change the bundle carries); a forged switch with fewer, with a stranger's or a
 * removed key's approval, or without its requester's, is caught.
 */
class GovernedBundleTest {
    private static final Ed25519PublicKey K1 = Ed25519KeyPair.generate().publicKey();
    private static final Ed25519PublicKey K2 = Ed25519KeyPair.generate().publicKey();
    private static final Ed25519PublicKey K3 = Ed25519KeyPair.generate().publicKey();
    private static final Ed25519PublicKey K4 = Ed25519KeyPair.generate().publicKey();

    private static Payload.OwnerKey owner(Ed25519PublicKey key) {
        return new Payload.OwnerKey(key.keyId(), key.base64());
    }

    private static GoldenDocuments.Log twoOfThree() {
        return GoldenDocuments.adoptedThenInService(new GoldenDocuments.Log().add(Optional.empty(), new Payload.OwnerRegistered(
                List.of(owner(K1), owner(K2), owner(K3)), GoldenKeys.controller().publicKey().keyId(), 2)));
    }

    private static List<String> ids(Ed25519PublicKey... keys) {
        return java.util.Arrays.stream(keys).map(Ed25519PublicKey::keyId).toList();
    }

    /** A switch to in-update approved under the owners in force as the controller knows them (the last owner change, or entry 0). */
    private static GoldenDocuments.Log oneOfTwo() {
        return GoldenDocuments.adoptedThenInService(new GoldenDocuments.Log().add(Optional.empty(), new Payload.OwnerRegistered(
                List.of(owner(K1), owner(K2)), GoldenKeys.controller().publicKey().keyId(), 1)));
    }

    private static GoldenDocuments.Log switched(GoldenDocuments.Log log, Ed25519PublicKey requester, Ed25519PublicKey... approvers) {
        return switchedUnder(log, lastOwnerChange(log), requester, approvers);
    }

    private static GoldenDocuments.Log switchedUnder(GoldenDocuments.Log log, long ownersEntry, Ed25519PublicKey requester,
            Ed25519PublicKey... approvers) {
        return log.add(Optional.of(GoldenDocuments.CVM), "owner:" + requester.keyId(),
                Payload.ModeChanged.toInUpdate(CvmMode.IN_SERVICE, ids(approvers), ownersEntry));
    }

    private static long lastOwnerChange(GoldenDocuments.Log log) {
        return log.entries.stream().filter(e -> e.kind().equals("owners.changed")).mapToLong(LogEntry::seq).max().orElse(0);
    }

    /** An owner change requested by {@code requester}, made to the owners the controller has in force. */
    private static GoldenDocuments.Log changed(GoldenDocuments.Log log, Ed25519PublicKey requester, List<Payload.OwnerKey> added,
            List<String> removed, int threshold, Ed25519PublicKey... approvers) {
        return log.add(Optional.empty(), "owner:" + requester.keyId(),
                new Payload.OwnersChanged(added, removed, threshold, ids(approvers), lastOwnerChange(log)));
    }

    /** The bundle of {@code log} as the controller signs it, listing the owner changes among its entries. */
    private static byte[] bundle(GoldenDocuments.Log log) {
        return bundle(log, Set.of());
    }

    /** The same, leaving out the owner changes at {@code omitted}: what a controller hiding them would serve. */
    private static byte[] bundle(GoldenDocuments.Log log, Set<Long> omitted) {
        ObjectNode payload = GoldenDocuments.bundle(log, GoldenDocuments.NONCE, Optional.empty());
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        for (LogEntry e : log.entries) {
            if (e.kind().equals("owners.changed") && !omitted.contains(e.seq())) {
                ObjectNode change = ((ObjectNode) payload.get("owners")).withArray("changes").addObject();
                change.set("entry", EntryCodec.toJson(e));
                tree.inclusion(e.seq(), log.entries.size()).forEach(p -> change.withArray("inclusion").add(p.hex()));
            }
        }
        return SignedDocument.sign(GoldenKeys.controller(), payload).toString().getBytes(StandardCharsets.UTF_8);
    }

    private static BundleVerdict verify(GoldenDocuments.Log log) throws Exception {
        return verify(bundle(log));
    }

    private static BundleVerdict verify(byte[] bundle) throws Exception {
        BundleTrust trust = new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(
                ControllerEvidenceVerifier.fingerprint(SevCertificateTable.parse(Octets.copyOf(GoldenKeys.resource("simulated-snp-certificates.bin")))
                        .find(SevCertificateTable.ARK).orElseThrow())),
                AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), Optional.of(GoldenDocuments.NONCE), Optional.empty(),
                GoldenDocumentsTest.EVIDENCE_TIME);
        return BundleVerifier.verify(bundle, trust);
    }

    private static List<String> failures(BundleVerdict verdict) {
        return verdict.failures().stream().map(g -> g.check().id() + ": " + g.check().describe()).toList();
    }

    @Test
    void aSwitchTwoOwnersApprovedIsTrusted() throws Exception {
        BundleVerdict verdict = verify(switched(twoOfThree(), K1, K1, K2));
        assertThat(failures(verdict)).isEmpty();
        assertThat(verdict.checksOf(Guarantee.IN_SERVICE)).extracting(dev.duet.attestation.Check::id).contains("governance");
    }

    @Test
    void aForgedSwitchWithFewerApprovalsThanTheThresholdIsCaught() throws Exception {
        assertThat(failures(verify(switched(twoOfThree(), K1, K1)))).singleElement().asString()
                .startsWith("governance").contains("carries the approvals of 1 owner keys in force").contains("2 of 3 were needed");
        assertThat(failures(verify(switched(twoOfThree(), K1)))).singleElement().asString().startsWith("governance");
    }

    @Test
    void aStrangersApprovalOrOneWithoutItsRequesterDoesNotCount() throws Exception {
        assertThat(failures(verify(switched(twoOfThree(), K1, K1, K4)))).singleElement().asString().startsWith("governance");
        assertThat(failures(verify(switched(twoOfThree(), K1, K2, K3)))).singleElement().asString().startsWith("governance")
                .contains("not its requester's");
    }

    @Test
    void theOwnersInForceAreThoseAfterEachOwnerChangeTheBundleCarries() throws Exception {
        GoldenDocuments.Log rotated = changed(twoOfThree(), K1, List.of(owner(K4)), List.of(K2.keyId()), 2, K1, K3);
        assertThat(failures(verify(switched(rotated, K1, K1, K4)))).as("the added key counts").isEmpty();
        GoldenDocuments.Log again = changed(twoOfThree(), K1, List.of(owner(K4)), List.of(K2.keyId()), 2, K1, K3);
        assertThat(failures(verify(switched(again, K1, K1, K2)))).as("the removed key does not").singleElement().asString()
                .startsWith("governance");
        GoldenDocuments.Log oneOfThree = changed(twoOfThree(), K1, List.of(), List.of(), 1, K1, K3);
        assertThat(failures(verify(switched(oneOfThree, K1)))).as("a threshold lowered to 1").isEmpty();
    }

    @Test
    void anOwnerChangeLeftOutOfTheBundleIsCaughtByTheSwitchThatNamesIt() throws Exception {
        GoldenDocuments.Log log = changed(twoOfThree(), K1, List.of(owner(K4)), List.of(K2.keyId()), 2, K1, K3);
        long change = lastOwnerChange(log);
        // K2 was removed: a controller carrying out a switch K2 approved and hiding the removal from the bundle.
        log = switched(log, K1, K1, K2);
        assertThat(failures(verify(bundle(log, Set.of(change))))).singleElement().asString().startsWith("governance")
                .contains("approved under the owners set at entry " + change).contains("an owner change is missing");
    }

    @Test
    void anOwnerChangeLeftOutOfTheMiddleOfTheChainIsCaught() throws Exception {
        GoldenDocuments.Log log = changed(twoOfThree(), K1, List.of(owner(K4)), List.of(), 2, K1, K2);
        long first = lastOwnerChange(log);
        log = changed(log, K1, List.of(), List.of(K3.keyId()), 2, K1, K4);
        log = switched(log, K1, K1, K4);
        assertThat(failures(verify(log))).isEmpty();
        assertThat(failures(verify(bundle(log, Set.of(first))))).anySatisfy(f -> assertThat(f).startsWith("owners.changes")
                .contains("changes the owners set at entry " + first).contains("an owner change is missing"));
    }

    @Test
    void anOwnerChangeWithoutTheApprovalsOfKOwnersInForceIsCaught() throws Exception {
        GoldenDocuments.Log log = changed(twoOfThree(), K1, List.of(owner(K4)), List.of(K2.keyId(), K3.keyId()), 1, K1);
        assertThat(failures(verify(log))).anySatisfy(f -> assertThat(f).startsWith("owners.changes")
                .contains("(owners.changed) carries the approvals of 1 owner keys in force").contains("2 of 3 were needed"));
    }

    @Test
    void evenWithOneOwnerNeededASwitchMustNameTheOwnersInForce() throws Exception {
        // The threshold raised to 2, then hidden: the switch K1 made alone would pass as one owner's.
        GoldenDocuments.Log log = changed(oneOfTwo(), K1, List.of(), List.of(), 2, K1);
        long raised = lastOwnerChange(log);
        log = switched(log, K1, K1);
        assertThat(failures(verify(log))).singleElement().asString().startsWith("governance").contains("2 of 2 were needed");
        assertThat(failures(verify(bundle(log, Set.of(raised))))).singleElement().asString().startsWith("governance")
                .contains("an owner change is missing");
        assertThat(failures(verify(switchedUnder(oneOfTwo(), 7, K1, K1)))).singleElement().asString().startsWith("governance")
                .contains("approved under the owners set at entry 7, but the owners in force then are those of entry 0");
    }
}
