package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.SshHostKeyBinding;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import dev.duet.protocol.entry.Payload;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The offline re-check of a logged attestation against the adopted host key. */
class HostKeyEvidenceTest {
    private static final Instant AT = Instant.parse("2026-11-23T00:00:00Z");
    private final byte[] blob = "the guest's host key blob".getBytes();
    private final String hostKey = "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob);
    private final byte[] nonce = HexFormat.of().parseHex("42".repeat(32));

    /** A Milan v3 report re-signed by a self-made VCEK, binding {@code boundBlob} to the nonce. */
    private Payload.Attestation attestation(byte[] boundBlob, boolean simulated) throws Exception {
        MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
        sha512.update(boundBlob);
        sha512.update(nonce);
        SelfSignedSnpReport signed = SelfSignedSnpReport.carrying(Octets.copyOf(sha512.digest()));
        return attestation(simulated, signed.report(), signed.vcek());
    }

    private Payload.Attestation attestation(boolean simulated, Octets report, Octets endorsement) {
        return new Payload.Attestation("test", simulated, "test", Octets.copyOf(nonce), report, endorsement, hostKey, "SHA256:test", true,
                List.of());
    }

    private static Octets measurement() {
        return Octets.copyOf(Arrays.copyOfRange(TestVectors.bytes("snp/milan_v3_oak_report.bin"), 0x90, 0xC0));
    }

    @Test
    void simulatedEvidenceBindingTheAdoptedKeyPassesAndSaysItIsSimulated() throws Exception {
        Check check = HostKeyEvidence.check(attestation(blob, true), Optional.of(measurement()), hostKey, AT);
        assertThat(check.passed()).as(check.detail()).isTrue();
        assertThat(check.detail()).contains("SIMULATED").contains("proves nothing about hardware");
    }

    /** A structural mismatch says what the report should hold and what it holds, as an attestation check does. */
    @Test
    void evidenceForAnotherKeyOrAnotherImageSaysWhatWasExpectedAndWhatTheReportHolds() throws Exception {
        Check anotherKey = HostKeyEvidence.check(attestation("another key".getBytes(), true), Optional.of(measurement()), hostKey, AT);
        assertThat(anotherKey.passed()).isFalse();
        assertThat(anotherKey.id()).isEqualTo("host key attestation");
        assertThat(anotherKey.reason()).contains("does not bind");
        assertThat(anotherKey.expected()).isEqualTo("REPORT_DATA " + Octets.copyOf(SshHostKeyBinding.reportData(blob, nonce)).hex());
        assertThat(anotherKey.actual()).isEqualTo("REPORT_DATA " + Octets.copyOf(SshHostKeyBinding.reportData("another key".getBytes(), nonce)).hex());

        Check anotherImage = HostKeyEvidence.check(attestation(blob, true), Optional.of(Octets.fromHex("00".repeat(48))), hostKey, AT);
        assertThat(anotherImage.passed()).isFalse();
        assertThat(anotherImage.expected()).isEqualTo("MEASUREMENT " + "00".repeat(48));
        assertThat(anotherImage.actual()).isEqualTo("MEASUREMENT " + measurement().hex());
    }

    @Test
    void forgedEvidenceOrEvidenceThatDoesNotChainToAmdFails() throws Exception {
        Payload.Attestation honest = attestation(blob, true);
        String evidence = honest.evidence().hex();
        Payload.Attestation forged = attestation(true, Octets.fromHex(evidence.substring(0, 0x60 * 2) + "ff" + evidence.substring(0x60 * 2 + 2)),
                honest.endorsement());
        assertThat(HostKeyEvidence.check(forged, Optional.of(measurement()), hostKey, AT).detail()).contains("not signed");
        Check notAmd = HostKeyEvidence.check(attestation(blob, false), Optional.of(measurement()), hostKey, AT);
        assertThat(notAmd.passed()).isFalse();
        assertThat(notAmd.detail()).contains("snp.chain");
    }

    /**
     * The bundle's launch appraisal: under the user's roots (AMD's here, which a self-made VCEK does
     * not chain to) and policy, with REPORT_DATA pinned to the adopted host key and the logged nonce.
     */
    @Test
    void theLaunchIsAppraisedUnderTheUsersRootsWithTheHostKeyBindingPinned() throws Exception {
        dev.duet.attestation.Verdict bound = HostKeyEvidence.appraise(attestation(blob, false), hostKey,
                dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(), AT).orElseThrow();
        assertThat(bound.accepted()).isFalse();
        assertThat(bound.failures()).extracting(Check::id).contains("snp.chain").doesNotContain("policy.report-data");
        dev.duet.attestation.Verdict other = HostKeyEvidence.appraise(attestation("another key".getBytes(), false), hostKey,
                dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(), AT).orElseThrow();
        assertThat(other.failures()).extracting(Check::id).contains("policy.report-data");
        assertThat(HostKeyEvidence.appraise(attestation(blob, false), "not-a-key-line", dev.duet.attestation.AttestationVerifier.vendorRoots(),
                dev.duet.attestation.policy.AppraisalPolicy.strict(), AT)).isEmpty();
    }

    /** Azure vTPM evidence logged for the adopted key and the logged nonce (or, for the failure cases, for others). */
    private Payload.Attestation azure(boolean simulated, Octets evidence) {
        return azure(simulated, evidence, Optional.of(SelfSignedAzureEvidence.VM_ID));
    }

    /** The same, with {@code vmId} as the VM Azure created. */
    private Payload.Attestation azure(boolean simulated, Octets evidence, Optional<String> vmId) {
        return new Payload.Attestation(VtpmHostKeyBinding.EVIDENCE_SOURCE, simulated, "test", Octets.copyOf(nonce), evidence,
                Octets.copyOf(new byte[0]), hostKey, "SHA256:test", true, List.of(), vmId);
    }

    @Test
    void azureEvidenceOfAnotherVmThanTheOneCreatedOrWithoutAVmIdFails() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        Octets evidence = azureEvidence(blob, nonce, ak, ak);
        Check other = HostKeyEvidence.check(azure(true, evidence, Optional.of("0A0B0C0D-0E0F-4011-8213-141516171819")), Optional.empty(),
                hostKey, AT);
        assertThat(other.passed()).isFalse();
        assertThat(other.detail()).contains("another VM");
        Check unnamed = HostKeyEvidence.check(azure(true, evidence, Optional.empty()), Optional.empty(), hostKey, AT);
        assertThat(unnamed.passed()).isFalse();
        assertThat(unnamed.detail()).contains("names no Azure VM id");
        assertThat(HostKeyEvidence.check(azure(true, evidence, Optional.of(SelfSignedAzureEvidence.VM_ID.toLowerCase(java.util.Locale.ROOT))),
                Optional.empty(), hostKey, AT).passed()).isTrue();
    }

    @Test
    void freshAzureEvidenceMustComeFromTheAdoptedVm() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        Payload.Attestation launch = azure(true, azureEvidence(blob, nonce, ak, ak));
        Octets same = SelfSignedAzureEvidence.json(Octets.copyOf(new byte[32]), ak, ak);
        Octets elsewhere = SelfSignedAzureEvidence.json(Octets.copyOf(new byte[32]), ak, ak, "0A0B0C0D-0E0F-4011-8213-141516171819");
        assertThat(HostKeyEvidence.sameAzureVm(launch, VtpmHostKeyBinding.EVIDENCE_SOURCE, same).orElseThrow().passed()).isTrue();
        Check other = HostKeyEvidence.sameAzureVm(launch, VtpmHostKeyBinding.EVIDENCE_SOURCE, elsewhere).orElseThrow();
        assertThat(other.passed()).isFalse();
        assertThat(other.id()).isEqualTo("cvm.fresh.same-vm");
        assertThat(HostKeyEvidence.sameAzureVm(launch, "simulated-snp", same).orElseThrow().passed())
                .as("an Azure launch answered with other evidence").isFalse();
        assertThat(HostKeyEvidence.sameAzureVm(attestation(blob, true), "simulated-snp", same)).as("neither is Azure").isEmpty();
        Check otherTee = HostKeyEvidence.sameAzureVm(launch, VtpmHostKeyBinding.EVIDENCE_SOURCE,
                Octets.copyOf(dev.duet.attestation.TestVectors.bytes("azure/tdx_trustee_evidence_v1.json"))).orElseThrow();
        assertThat(otherTee.passed()).isFalse();
        assertThat(otherTee.detail()).contains("another TEE than the launch's");
    }

    private Octets azureEvidence(byte[] boundBlob, byte[] boundNonce, KeyPair ak, KeyPair signer) throws Exception {
        return SelfSignedAzureEvidence.json(VtpmHostKeyBinding.nonce(boundBlob, boundNonce), ak, signer);
    }

    @Test
    void simulatedAzureEvidenceBindingTheAdoptedKeyThroughTheQuotePassesAndSaysItIsSimulated() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        Check check = HostKeyEvidence.check(azure(true, azureEvidence(blob, nonce, ak, ak)), Optional.empty(), hostKey, AT);
        assertThat(check.passed()).as(check.detail()).isTrue();
        assertThat(check.detail()).contains("SIMULATED Azure vTPM evidence").contains("proves nothing about hardware");
    }

    @Test
    void azureEvidenceForAnotherKeyAReplayedNonceOrByAnotherKeyFails() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        Check otherKey = HostKeyEvidence.check(azure(true, azureEvidence("another key".getBytes(), nonce, ak, ak)), Optional.empty(), hostKey, AT);
        assertThat(otherKey.passed()).isFalse();
        assertThat(otherKey.detail()).contains("vtpm.nonce");
        byte[] earlier = HexFormat.of().parseHex("17".repeat(32));
        Check replayed = HostKeyEvidence.check(azure(true, azureEvidence(blob, earlier, ak, ak)), Optional.empty(), hostKey, AT);
        assertThat(replayed.passed()).isFalse();
        assertThat(replayed.detail()).contains("vtpm.nonce").doesNotContain("vtpm.quote-signature");
        Check otherSigner = HostKeyEvidence.check(azure(true, azureEvidence(blob, nonce, ak, SelfSignedAzureEvidence.rsa())), Optional.empty(),
                hostKey, AT);
        assertThat(otherSigner.passed()).isFalse();
        assertThat(otherSigner.detail()).contains("vtpm.quote-signature");
    }

    @Test
    void tamperedAzureEvidenceFailsAndEvidenceThatDoesNotChainToAmdFails() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        String honest = new String(azureEvidence(blob, nonce, ak, ak).toByteArray(), StandardCharsets.UTF_8);
        // A changed PCR value: the quote's digest no longer covers what is given.
        String pcr = honest.replaceFirst("\"0{64}\"", "\"" + "01".repeat(32) + "\"");
        Check changedPcr = HostKeyEvidence.check(azure(true, Octets.copyOf(pcr.getBytes(StandardCharsets.UTF_8))), Optional.empty(), hostKey, AT);
        assertThat(changedPcr.passed()).isFalse();
        assertThat(changedPcr.detail()).contains("vtpm.pcr-digest");
        Check unreadable = HostKeyEvidence.check(azure(true, Octets.copyOf("{\"hcl_report\": 1}".getBytes(StandardCharsets.UTF_8))),
                Optional.empty(), hostKey, AT);
        assertThat(unreadable.detail()).contains("cannot be read");
        Check snpReportAsAzure = HostKeyEvidence.check(azure(true, attestation(blob, true).evidence()), Optional.empty(), hostKey, AT);
        assertThat(snpReportAsAzure.passed()).isFalse();
        Check imageNamed = HostKeyEvidence.check(azure(true, azureEvidence(blob, nonce, ak, ak)), Optional.of(measurement()), hostKey, AT);
        assertThat(imageNamed.passed()).as("a launch that named the guest's image is not vouched for by the paravisor's").isFalse();
        assertThat(imageNamed.reason()).contains("paravisor");
        Check notAmd = HostKeyEvidence.check(azure(false, azureEvidence(blob, nonce, ak, ak)), Optional.empty(), hostKey, AT);
        assertThat(notAmd.passed()).isFalse();
        assertThat(notAmd.detail()).contains("snp.chain").doesNotContain("vtpm.nonce");
    }

    @Test
    void azureLaunchEvidenceIsAppraisedUnderTheUsersRootsWithTheQuoteNoncePinned() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        dev.duet.attestation.Verdict bound = HostKeyEvidence.appraise(azure(false, azureEvidence(blob, nonce, ak, ak)), hostKey,
                dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(), AT).orElseThrow();
        assertThat(bound.failures()).extracting(Check::id).contains("snp.chain").doesNotContain("vtpm.nonce");
        dev.duet.attestation.Verdict other = HostKeyEvidence.appraise(azure(false, azureEvidence("another key".getBytes(), nonce, ak, ak)),
                hostKey, dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(), AT)
                .orElseThrow();
        assertThat(other.failures()).extracting(Check::id).contains("vtpm.nonce");
    }

    /**
     * Fresh Azure evidence: the quote carries the SHA-256 form of the fresh binding (its own label), so
     * neither binding stands for the other; another head (replayed) or nonce (stale) fails the binding,
     * and the bundle's JSON form carries its 32 bytes of qualifying data where an SNP report's are 64.
     */
    @Test
    void freshAzureEvidenceIsBoundThroughTheQuoteToTheKeyTheNonceAndTheHead() throws Exception {
        KeyPair ak = SelfSignedAzureEvidence.rsa();
        CvmFreshBinding.LogHead head = new CvmFreshBinding.LogHead(7, Octets.copyOf(new byte[32]));
        Octets qualifying = CvmFreshBinding.vtpmQualifyingData(blob, "n-1", head);
        assertThat(qualifying.length()).isEqualTo(32);
        assertThat(qualifying).isNotEqualTo(Octets.copyOf(Arrays.copyOf(CvmFreshBinding.reportData(blob, "n-1", head).toByteArray(), 32)));
        Octets json = SelfSignedAzureEvidence.json(qualifying, ak, ak);
        assertThat(CvmFreshBinding.verify(json, blob, "n-1", head).passed()).isTrue();
        assertThat(CvmFreshBinding.verify(json, blob, "n-2", head).passed()).as("stale").isFalse();
        assertThat(CvmFreshBinding.verify(json, blob, "n-1", new CvmFreshBinding.LogHead(6, head.hash())).passed()).as("replayed").isFalse();
        assertThat(CvmFreshBinding.verify(json, "another key".getBytes(), "n-1", head).passed()).isFalse();

        FreshCvmEvidence fresh = new FreshCvmEvidence("cvm-1", VtpmHostKeyBinding.EVIDENCE_SOURCE, true, "test", "n-1", hostKey, head, qualifying,
                json, Octets.copyOf(new byte[0]), List.of(), AT);
        FreshCvmEvidence read = FreshCvmEvidence.fromJson(FreshCvmEvidence.toJson(fresh));
        assertThat(read.verifyBinding(hostKey, "n-1", head).passed()).isTrue();
        dev.duet.attestation.Verdict appraised = HostKeyEvidence.appraiseFresh(read, hostKey, "n-1", head,
                dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(), AT).orElseThrow();
        assertThat(appraised.failures()).extracting(Check::id).contains("snp.chain").doesNotContain("vtpm.nonce");
        FreshCvmEvidence snpSized = new FreshCvmEvidence("cvm-1", "simulated-snp", true, "test", "n-1", hostKey, head, qualifying, json,
                Octets.copyOf(new byte[0]), List.of(), AT);
        assertThatThrownBy(() -> FreshCvmEvidence.fromJson(FreshCvmEvidence.toJson(snpSized))).hasMessageContaining("not 64 bytes");
    }
}
