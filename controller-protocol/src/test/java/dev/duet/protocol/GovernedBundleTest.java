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

    private static GoldenDocuments.Log switched(GoldenDocuments.Log log, Ed25519PublicKey requester, Ed25519PublicKey... approvers) {
        List<String> ids = java.util.Arrays.stream(approvers).map(Ed25519PublicKey::keyId).toList();
        return log.add(Optional.of(GoldenDocuments.CVM), "owner:" + requester.keyId(),
                new Payload.ModeChanged(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE, Optional.empty(), ids));
    }

    /** The bundle of {@code log} as the controller signs it, listing the owner changes among its entries. */
    private static byte[] bundle(GoldenDocuments.Log log) {
        ObjectNode payload = GoldenDocuments.bundle(log, GoldenDocuments.NONCE, Optional.empty());
        MerkleProofs tree = MerkleProofs.over(log.leaves());
        for (LogEntry e : log.entries) {
            if (e.kind().equals("owners.changed")) {
                ObjectNode change = ((ObjectNode) payload.get("owners")).withArray("changes").addObject();
                change.set("entry", EntryCodec.toJson(e));
                tree.inclusion(e.seq(), log.entries.size()).forEach(p -> change.withArray("inclusion").add(p.hex()));
            }
        }
        return SignedDocument.sign(GoldenKeys.controller(), payload).toString().getBytes(StandardCharsets.UTF_8);
    }

    private static BundleVerdict verify(GoldenDocuments.Log log) throws Exception {
        BundleTrust trust = new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(
                ControllerEvidenceVerifier.fingerprint(SevCertificateTable.parse(Octets.copyOf(GoldenKeys.resource("simulated-snp-certificates.bin")))
                        .find(SevCertificateTable.ARK).orElseThrow())),
                AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), Optional.of(GoldenDocuments.NONCE), Optional.empty(),
                GoldenDocumentsTest.EVIDENCE_TIME);
        return BundleVerifier.verify(bundle(log), trust);
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
        GoldenDocuments.Log rotated = twoOfThree().add(Optional.empty(), "owner:" + K1.keyId(),
                new Payload.OwnersChanged(List.of(owner(K4)), List.of(K2.keyId()), 2, List.of(K1.keyId(), K3.keyId())));
        assertThat(failures(verify(switched(rotated, K1, K1, K4)))).as("the added key counts").isEmpty();
        GoldenDocuments.Log again = twoOfThree().add(Optional.empty(), "owner:" + K1.keyId(),
                new Payload.OwnersChanged(List.of(owner(K4)), List.of(K2.keyId()), 2, List.of(K1.keyId(), K3.keyId())));
        assertThat(failures(verify(switched(again, K1, K1, K2)))).as("the removed key does not").singleElement().asString()
                .startsWith("governance");
        GoldenDocuments.Log oneOfThree = twoOfThree().add(Optional.empty(), "owner:" + K1.keyId(),
                new Payload.OwnersChanged(List.of(), List.of(), 1, List.of(K1.keyId(), K3.keyId())));
        assertThat(failures(verify(switched(oneOfThree, K1)))).as("a threshold lowered to 1").isEmpty();
    }
}
