package dev.duet.attestation.snp;

import static dev.duet.attestation.TestVectors.SNP_TIME;
import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.SelfMadeCa;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.Appraiser;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.x509.SignatureCache;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Wrong roots, wrong chips, wrong products, revoked keys, debug guests and policy failures are refused, each with its reason. */
class SnpNegativeTest {
    private final SnpVerifier amd = new SnpVerifier(AmdTrust.amd(), SignatureCache.create());

    private static List<String> failed(SnpVerification result) {
        return result.checks().stream().filter(c -> !c.passed()).map(Check::id).toList();
    }

    private static SnpVerification verify(SnpVerifier verifier, String report, String cert) throws Exception {
        return verifier.verify(SnpReportParser.parse(bytes("snp/" + report)), EndorsementCertificate.parse(bytes("snp/" + cert)),
                SNP_TIME, List.of());
    }

    @Test
    void aReportCheckedAgainstAnotherProductsRootsFails() throws Exception {
        AmdTrust genoaRootsAsMilan = new AmdTrust("Genoa roots under Milan's name",
                Map.of(SnpProduct.MILAN, AmdTrust.amd().forProduct(SnpProduct.GENOA).orElseThrow()));
        SnpVerification result = verify(new SnpVerifier(genoaRootsAsMilan, SignatureCache.create()),
                "milan_v3_oak_report.bin", "milan_v3_oak_vcek.der");
        assertThat(failed(result)).containsExactly("snp.chain");
        assertThat(result.verified()).isFalse();
    }

    @Test
    void aGenoaReportWithAMilanVcekFailsOnProductAndChain() throws Exception {
        SnpVerification result = verify(amd, "genoa_v5_oak_report.bin", "milan_v3_oak_vcek.der");
        assertThat(failed(result)).contains("snp.product", "snp.chain", "snp.signature", "snp.chip-binding");
    }

    @Test
    void aVcekFromAnotherChipFails() throws Exception {
        SnpVerification result = verify(amd, "milan_v3_oak_report.bin", "milan_v2_trustee_vcek.der");
        assertThat(failed(result)).contains("snp.signature", "snp.chip-binding", "snp.tcb-binding");
        assertThat(result.checks()).filteredOn(c -> c.id().equals("snp.chip-binding")).singleElement()
                .extracting(Check::reason).isEqualTo("the VCEK is another chip's");
    }

    @Test
    void aValidSignatureByAGenuineKeyOfAnotherChipStillFailsTheChipBinding() throws Exception {
        TestAmdChain chain = new TestAmdChain();
        TestAmdChain.Signed signed = chain.sign(bytes("snp/milan_v3_oak_report.bin"));
        SnpVerifier verifier = new SnpVerifier(chain.trust(), SignatureCache.create());
        byte[] otherChip = bytes("snp/milan_v3_oak_report.bin");
        otherChip[0x1A0] ^= 1;
        TestAmdChain.Signed other = chain.sign(otherChip);
        SnpVerification result = verifier.verify(SnpReportParser.parse(signed.report()), other.vcek(), SNP_TIME, List.of());
        assertThat(failed(result)).contains("snp.chip-binding");
        assertThat(verifier.verify(SnpReportParser.parse(signed.report()), signed.vcek(), SNP_TIME, List.of()).verified())
                .isTrue();
    }

    @Test
    void aSelfMadeRootIsRefusedUnlessExplicitlyTrusted() throws Exception {
        TestAmdChain chain = new TestAmdChain();
        TestAmdChain.Signed signed = chain.sign(bytes("snp/milan_v3_oak_report.bin"));
        SnpVerification underAmd = amd.verify(SnpReportParser.parse(signed.report()), signed.vcek(), SNP_TIME, List.of());
        assertThat(failed(underAmd)).containsExactly("snp.chain");
        SnpVerification trusted = new SnpVerifier(chain.trust(), SignatureCache.create())
                .verify(SnpReportParser.parse(signed.report()), signed.vcek(), SNP_TIME, List.of());
        assertThat(trusted.verified()).isTrue();
        assertThat(trusted.trust()).contains("explicitly trusted");
    }

    @Test
    void crlRevocationStalenessAndForgeryAreEachCaught() throws Exception {
        TestAmdChain chain = new TestAmdChain();
        TestAmdChain.Signed signed = chain.sign(bytes("snp/milan_v3_oak_report.bin"));
        SnpVerifier verifier = new SnpVerifier(chain.trust(), SignatureCache.create());
        SnpReport report = SnpReportParser.parse(signed.report());
        Instant at = SNP_TIME;
        X509CRL clean = SelfMadeCa.crl("CN=ARK-Milan", chain.arkKey.getPrivate(), at.minusSeconds(3600), at.plusSeconds(3600),
                List.of());
        X509CRL revokesAsk = SelfMadeCa.crl("CN=ARK-Milan", chain.arkKey.getPrivate(), at.minusSeconds(3600),
                at.plusSeconds(3600), List.of(chain.ask));
        X509CRL stale = SelfMadeCa.crl("CN=ARK-Milan", chain.arkKey.getPrivate(), at.minusSeconds(7200), at.minusSeconds(3600),
                List.of());
        X509CRL forged = SelfMadeCa.crl("CN=ARK-Milan", SelfMadeCa.rsa().getPrivate(), at.minusSeconds(3600),
                at.plusSeconds(3600), List.of());
        assertThat(verifier.verify(report, signed.vcek(), at, List.of(clean)).verified()).isTrue();
        for (X509CRL bad : List.of(revokesAsk, stale, forged)) {
            assertThat(failed(verifier.verify(report, signed.vcek(), at, List.of(bad)))).containsExactly("snp.crl");
        }
        SnpVerification both = verifier.verify(report, signed.vcek(), at, List.of(clean, stale));
        assertThat(both.checks()).filteredOn(c -> c.id().equals("snp.crl")).singleElement().satisfies(c -> {
            assertThat(c.passed()).isFalse();
            assertThat(c.reason()).isEqualTo("the CRL is stale or not yet valid");
        });
    }

    @Test
    void debugGuestsFailTheDefaultPolicyWithThatReason() throws Exception {
        SnpVerification result = verify(amd, "milan_v2_debug_gosevguest_report.bin", "milan_v2_debug_gosevguest_vcek.der");
        Verdict strict = Appraiser.appraise(result, AppraisalPolicy.strict());
        assertThat(strict.accepted()).isFalse();
        assertThat(strict.failures()).extracting(Check::id).containsExactly("policy.debug");
        assertThat(strict.failures().get(0).reason()).contains("debugging");
        Verdict lenient = Appraiser.appraise(result, PolicyParser.parse("{\"allowDebug\": true, \"snp\": {}}".getBytes(StandardCharsets.UTF_8)));
        assertThat(lenient.accepted()).isTrue();
    }

    @Test
    void policyFailuresSayWhatWasExpectedAndWhatWasFound() throws Exception {
        SnpVerification vlek = verify(amd, "milan_v3_vlek_aws_trustee_report.bin", "milan_v3_vlek_aws_trustee_vlek.der");
        assertThat(vlek.verified()).isTrue();
        assertThat(Appraiser.appraise(vlek, AppraisalPolicy.strict()).failures()).extracting(Check::id)
                .containsExactly("policy.vmpl");
        String policy = """
                {"snp": {"vmpl": 1, "measurements": ["%s"], "minimumTcb": {"microcode": 220, "snp": 24},
                         "signingKeys": ["VCEK"]},
                 "reportData": "%s"}
                """.formatted("00".repeat(48), "11".repeat(64));
        Verdict verdict = Appraiser.appraise(vlek, PolicyParser.parse(policy.getBytes(StandardCharsets.UTF_8)));
        assertThat(verdict.failures()).extracting(Check::id).containsExactlyInAnyOrder("policy.measurement",
                "policy.report-data", "policy.minimum-tcb", "policy.signing-key");
        Check tcb = verdict.failures().stream().filter(c -> c.id().equals("policy.minimum-tcb")).findFirst().orElseThrow();
        assertThat(tcb.expected()).isEqualTo("microcode >= 220");
        assertThat(tcb.actual()).isEqualTo("bl=4 tee=0 snp=24 ucode=217");
        Check measurement = verdict.failures().stream().filter(c -> c.id().equals("policy.measurement")).findFirst().orElseThrow();
        assertThat(measurement.actual()).startsWith("8922ebbdd00ec2c5");
    }

    @Test
    void unsignedAndMalformedReportsAreRefused() throws Exception {
        byte[] unsigned = bytes("snp/milan_v3_oak_report.bin");
        unsigned[0x48] = (byte) (7 << 2);
        SnpVerification result = amd.verify(SnpReportParser.parse(unsigned), EndorsementCertificate.parse(
                bytes("snp/milan_v3_oak_vcek.der")), SNP_TIME, List.of());
        assertThat(failed(result)).contains("snp.signing-key");
        assertThatThrownBy(() -> SnpReportParser.parse(new byte[100])).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("1184");
        byte[] v9 = bytes("snp/milan_v3_oak_report.bin");
        v9[0] = 9;
        assertThatThrownBy(() -> SnpReportParser.parse(v9)).hasMessageContaining("version 9");
    }
}
