package dev.duet.attestation.snp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.ControllerKeyBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.x509.SignatureCache;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A controller report that verifies: a real Milan report re-signed, with REPORT_DATA set to the key
 * binding, by a chain the test makes and trusts explicitly (as a user trusts AMD's); then each
 * change fails on its own named check.
 */
class ControllerReportTest {
    private static final byte[] KEY = new byte[44];
    private final TestAmdChain chain;
    private final ControllerEvidenceVerifier.Trust unpinned;
    private final ControllerEvidenceVerifier.Trust trust;
    private final Octets simulatedArk;

    ControllerReportTest() throws Exception {
        chain = new TestAmdChain();
        unpinned = new ControllerEvidenceVerifier.Trust(new AttestationVerifier(chain.trust(), IntelTrust.intel(), SignatureCache.none()),
                Optional.empty(), Set.of());
        trust = unpinned.acceptingMeasurements(Set.of(MEASUREMENT));
        simulatedArk = ControllerEvidenceVerifier.fingerprint(Octets.copyOf(chain.ark.getEncoded()));
    }

    private static final Octets MEASUREMENT = measurement();

    private static Octets measurement() {
        try {
            return SnpReportParser.parse(TestVectors.bytes("snp/milan_v3_oak_report.bin")).measurement();
        } catch (dev.duet.attestation.MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    private ControllerEvidenceVerifier.Report report(Octets reportData, boolean simulated) throws Exception {
        return report(chain, reportData, simulated);
    }

    private static ControllerEvidenceVerifier.Report report(TestAmdChain chain, Octets reportData, boolean simulated) throws Exception {
        byte[] template = TestVectors.bytes("snp/milan_v3_oak_report.bin");
        System.arraycopy(reportData.toByteArray(), 0, template, 0x50, 64);
        TestAmdChain.Signed signed = chain.sign(template);
        List<SevCertificateTable.Entry> entries = new java.util.ArrayList<>(List.of(
                new SevCertificateTable.Entry(SevCertificateTable.VCEK, Octets.copyOf(signed.certificate().getEncoded()))));
        if (simulated) {
            entries.add(new SevCertificateTable.Entry(SevCertificateTable.ASK, Octets.copyOf(chain.ask.getEncoded())));
            entries.add(new SevCertificateTable.Entry(SevCertificateTable.ARK, Octets.copyOf(chain.ark.getEncoded())));
        }
        return new ControllerEvidenceVerifier.Report("test", simulated, Octets.copyOf(signed.report()),
                new SevCertificateTable(entries).encode());
    }

    private ControllerEvidenceVerdict verify(ControllerEvidenceVerifier.Report report, String nonce, ControllerEvidenceVerifier.Trust with) {
        return ControllerEvidenceVerifier.verify(TeeKind.SEV_SNP, Optional.of(report), ControllerKeyBinding.reportData(KEY, nonce), with,
                Instant.now());
    }

    @Test
    void aReportBindingTheKeyAndNonceUnderATrustedRootAttestsTheKey() throws Exception {
        ControllerEvidenceVerdict verdict = verify(report(ControllerKeyBinding.reportData(KEY, "n1"), false), "n1", trust);
        assertThat(verdict).isInstanceOfSatisfying(ControllerEvidenceVerdict.Attested.class, a -> assertThat(a.simulated()).isFalse());
        assertThat(verdict.reason()).doesNotContain("SIMULATED");
    }

    @Test
    void aReportForAnotherNonceOrKeyFailsTheBinding() throws Exception {
        assertThat(failed(verify(report(ControllerKeyBinding.reportData(KEY, "n0"), false), "n1", trust)))
                .containsExactly("policy.report-data");
        assertThat(failed(verify(report(ControllerKeyBinding.reportData(new byte[45], "n1"), false), "n1", trust)))
                .containsExactly("policy.report-data");
    }

    @Test
    void everyFlippedBitOfTheSignedPartFailsAChecks() throws Exception {
        ControllerEvidenceVerifier.Report good = report(ControllerKeyBinding.reportData(KEY, "n1"), false);
        byte[] bytes = good.report().toByteArray();
        for (int bit = 0; bit < SnpReport.SIGNED_LENGTH * 8; bit += 61) {
            byte[] flipped = bytes.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            ControllerEvidenceVerdict verdict = verify(new ControllerEvidenceVerifier.Report("test", false, Octets.copyOf(flipped),
                    good.certificates()), "n1", trust);
            assertThat(verdict).as("bit " + bit).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
        }
        byte[] flipped = bytes.clone();
        flipped[0x60] ^= 1;
        assertThat(failed(verify(new ControllerEvidenceVerifier.Report("test", false, Octets.copyOf(flipped), good.certificates()), "n1",
                trust))).contains("snp.signature", "policy.report-data");
    }

    @Test
    void theSameReportUnderAnotherRootDoesNotVerify() throws Exception {
        ControllerEvidenceVerdict verdict = verify(report(ControllerKeyBinding.reportData(KEY, "n1"), false), "n1",
                ControllerEvidenceVerifier.Trust.vendorRoots());
        assertThat(failed(verdict)).contains("snp.chain");
    }

    @Test
    void simulatedEvidenceIsTrustedOnlyWhenTheUserSaysSo() throws Exception {
        ControllerEvidenceVerifier.Report simulated = report(ControllerKeyBinding.reportData(KEY, "n1"), true);
        ControllerEvidenceVerdict refused = verify(simulated, "n1", ControllerEvidenceVerifier.Trust.vendorRoots());
        assertThat(failed(refused)).containsExactly(ControllerEvidenceVerifier.SIMULATED_CHECK);
        assertThat(refused.reason()).contains("SIMULATED");
        ControllerEvidenceVerdict trusted = verify(simulated, "n1", ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(simulatedArk));
        assertThat(trusted).isInstanceOfSatisfying(ControllerEvidenceVerdict.Attested.class, a -> assertThat(a.simulated()).isTrue());
        assertThat(trusted.reason()).startsWith("SIMULATED");
        assertThat(trusted.checks()).filteredOn(c -> c.id().equals("snp.chain")).singleElement()
                .extracting(Check::reason).asString().contains(ControllerEvidenceVerifier.SIMULATED_ROOT);
    }

    @Test
    void evidenceThatSaysItIsRealIsCheckedAgainstTheVendorRootsEvenWithTheSimulatedRootTrusted() throws Exception {
        ControllerEvidenceVerifier.Report real = report(ControllerKeyBinding.reportData(KEY, "n1"), true);
        ControllerEvidenceVerifier.Report claimsReal = new ControllerEvidenceVerifier.Report("test", false, real.report(), real.certificates());
        assertThat(failed(verify(claimsReal, "n1", ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(simulatedArk))))
                .contains("snp.chain");
    }

    @Test
    void aGenuineReportWithoutAPinnedMeasurementIsNotAttested() throws Exception {
        ControllerEvidenceVerdict verdict = verify(report(ControllerKeyBinding.reportData(KEY, "n1"), false), "n1", unpinned);
        assertThat(failed(verdict)).containsExactly(ControllerEvidenceVerifier.MEASUREMENT_CHECK);
        assertThat(verdict.reason()).contains(MEASUREMENT.hex()).contains("--controller-measurement");
    }

    @Test
    void aGenuineReportOfAnotherControllerBuildFailsTheMeasurement() throws Exception {
        ControllerEvidenceVerdict verdict = verify(report(ControllerKeyBinding.reportData(KEY, "n1"), false), "n1",
                unpinned.acceptingMeasurements(Set.of(Octets.copyOf(new byte[48]))));
        assertThat(failed(verdict)).containsExactly("policy.measurement");
    }

    @Test
    void aGenuineReportBelowTheUsersMinimumTcbIsNotAttested() throws Exception {
        ControllerEvidenceVerifier.Report report = report(ControllerKeyBinding.reportData(KEY, "n1"), false);
        AppraisalPolicy.MinimumTcb above = new AppraisalPolicy.MinimumTcb(OptionalInt.of(255), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
        ControllerEvidenceVerdict verdict = verify(report, "n1", trust.requiringMinimumTcb(above, Optional.empty()));
        assertThat(failed(verdict)).containsExactly("policy.minimum-tcb");
        assertThat(verdict.reason()).contains("bootloader >= 255");
        AppraisalPolicy.MinimumTcb met = new AppraisalPolicy.MinimumTcb(OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
        assertThat(verify(report, "n1", trust.requiringMinimumTcb(met, Optional.empty()))).isInstanceOf(ControllerEvidenceVerdict.Attested.class);
    }

    @Test
    void simulatedEvidenceUnderAnotherSelfMadeRootIsRefusedEvenWithTheFlag() throws Exception {
        ControllerEvidenceVerdict verdict = verify(report(new TestAmdChain(), ControllerKeyBinding.reportData(KEY, "n1"), true), "n1",
                ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(simulatedArk));
        assertThat(failed(verdict)).containsExactly(ControllerEvidenceVerifier.SIMULATED_CHECK);
        assertThat(verdict.reason()).contains("another root");
    }

    private static List<String> failed(ControllerEvidenceVerdict verdict) {
        return verdict.checks().stream().filter(c -> !c.passed()).map(Check::id).toList();
    }
}
