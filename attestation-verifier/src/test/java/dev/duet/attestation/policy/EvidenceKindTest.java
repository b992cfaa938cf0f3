package dev.duet.attestation.policy;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.snp.EndorsementCertificate;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A policy accepts only the kinds of evidence it names: cross-kind evidence is rejected with its
 * own check, whatever else it passes. The vectors are the vendors' own, so each is genuine.
 */
class EvidenceKindTest {
    private static final AttestationVerifier VERIFIER = AttestationVerifier.vendorRoots();
    private static final Instant SNP_AT = TestVectors.SNP_TIME;
    private static final Instant SGX_AT = Instant.parse("2025-08-20T00:00:00Z");
    private static final Instant TDX_AT = Instant.parse("2025-11-01T00:00:00Z");
    private static final String LENIENT_TCB = "\"tcb\": {\"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\"]}";

    private static AppraisalPolicy policy(String json) throws PolicyException {
        return PolicyParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Verdict snp(AppraisalPolicy policy) throws Exception {
        return VERIFIER.verify(Evidence.parse(bytes("snp/milan_v3_oak_report.bin")),
                Optional.of(EndorsementCertificate.parse(bytes("snp/milan_v3_oak_vcek.der"))), Collateral.none(), policy,
                SNP_AT);
    }

    private static Verdict sgx(AppraisalPolicy policy) throws Exception {
        Collateral collateral = CollateralParser.parseJson(bytes("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json"))
                .plus(CollateralParser.parseJson(bytes("sgx/collateral/sgx_qe_identity_automata.json")));
        return VERIFIER.verify(Evidence.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat")), Optional.empty(), collateral,
                policy, SGX_AT);
    }

    private static Verdict tdx(AppraisalPolicy policy) throws Exception {
        Collateral collateral = CollateralParser.parseJson(bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"))
                .plus(CollateralParser.parseJson(bytes("tdx/collateral/tdx_qe_identity_trustee.json")));
        return VERIFIER.verify(Evidence.parse(bytes("tdx/v4_gnr_trustee_quote.dat")), Optional.empty(), collateral, policy,
                TDX_AT);
    }

    /** Refused for its kind; other policy checks (the strict TCB statuses the SNP-only policy keeps) may fail too. */
    private static void rejectedForItsKind(Verdict verdict, String expected, String actual) {
        assertThat(verdict.accepted()).isFalse();
        assertThat(verdict.failures()).filteredOn(c -> c.id().equals("policy.evidence-kind")).singleElement()
                .satisfies(kind -> {
                    assertThat(kind.expected()).isEqualTo(expected);
                    assertThat(kind.actual()).isEqualTo(actual);
                });
        assertThat(verdict.failures()).extracting(Check::id).doesNotContain("dcap.quote-signature", "snp.signature");
    }

    @Test
    void aPolicyWithOnlyOneKindsSectionRefusesTheOtherKinds() throws Exception {
        AppraisalPolicy sgxOnly = policy("{\"allowDebug\": true, \"sgx\": {\"mrSigner\": "
                + "[\"83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e\"]}, " + LENIENT_TCB + "}");
        AppraisalPolicy snpOnly = policy("{\"snp\": {\"vmpl\": 0}}");
        AppraisalPolicy tdxOnly = policy("{\"allowDebug\": true, \"tdx\": {\"mrTd\": [\"21e8dead92d6c69d7cbba79816686c03a4848"
                + "5c7df0c11f6f04792d5e1d378f6b8c46615ba6946adccac6becffbb1e88\"]}, " + LENIENT_TCB + "}");

        rejectedForItsKind(snp(sgxOnly), "one of [sgx]", "sev-snp");
        assertThat(snp(sgxOnly).failures()).extracting(Check::id).containsExactly("policy.evidence-kind");
        rejectedForItsKind(tdx(snpOnly), "one of [sev-snp]", "tdx");
        rejectedForItsKind(sgx(tdxOnly), "one of [tdx]", "sgx");

        assertThat(snp(snpOnly).accepted()).isTrue();
        assertThat(sgx(sgxOnly).accepted()).isTrue();
        assertThat(tdx(tdxOnly).accepted()).isTrue();
        assertThat(snp(snpOnly).checks()).filteredOn(c -> c.id().equals("policy.evidence-kind")).singleElement()
                .satisfies(c -> assertThat(c.passed()).isTrue());
    }

    @Test
    void anExplicitListDecidesAndMustAgreeWithTheSections() throws Exception {
        AppraisalPolicy listed = policy("{\"evidenceKinds\": [\"tdx\", \"sev-snp\"], \"allowDebug\": true, " + LENIENT_TCB
                + "}");
        assertThat(snp(listed).accepted()).isTrue();
        assertThat(tdx(listed).accepted()).isTrue();
        rejectedForItsKind(sgx(listed), "one of [tdx, sev-snp]", "sgx");

        assertThatThrownBy(() -> policy("{\"allowDebug\": true}")).isInstanceOf(PolicyException.class)
                .hasMessageContaining("names no evidence kind");
        assertThatThrownBy(() -> policy("{\"tcb\": {\"requireCollateral\": false}}")).hasMessageContaining("names no evidence kind");
        assertThatThrownBy(() -> policy("{\"evidenceKinds\": []}")).hasMessageContaining("accepts nothing");
        assertThatThrownBy(() -> policy("{\"evidenceKinds\": [\"sev\"]}")).hasMessageContaining("sev-snp, tdx, sgx");
        assertThatThrownBy(() -> policy("{\"evidenceKinds\": [\"none\"]}")).hasMessageContaining("sev-snp, tdx, sgx");
        assertThatThrownBy(() -> policy("{\"evidenceKinds\": [\"tdx\"], \"snp\": {\"vmpl\": 0}}"))
                .hasMessageContaining("snp section");
        assertThatThrownBy(() -> policy("{\"evidenceKinds\": [\"sev-snp\"], " + LENIENT_TCB + "}"))
                .hasMessageContaining("tcb section");
    }

    @Test
    void collateralOfTheOtherVendorIsNamedAsUnusable() throws Exception {
        Collateral intel = CollateralParser.parseJson(bytes("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json"))
                .plus(new Collateral(java.util.List.of(), java.util.List.of(), java.util.List.of(
                        CollateralParser.crl(bytes("roots/intel/intel_sgx_root_ca_crl_2025.der")),
                        CollateralParser.crl(bytes("sgx/collateral/pck_platform_crl_2025_automata.der"))), java.util.List.of()));
        Evidence report = Evidence.parse(bytes("snp/milan_v3_oak_report.bin"));
        Evidence quote = Evidence.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat"));
        assertThat(VERIFIER.unusableCollateral(quote, intel)).isEmpty();
        assertThat(VERIFIER.unusableCollateral(report, Collateral.none())).isEmpty();
        assertThat(VERIFIER.unusableCollateral(report, intel)).hasSize(3).anySatisfy(reason -> assertThat(reason)
                .startsWith("a TCB Info")).anySatisfy(reason -> assertThat(reason).contains("CN=Intel SGX Root CA")
                        .endsWith("does not apply to an SEV-SNP report (only an AMD ARK's CRL does)"));
    }

    @Test
    void theBuiltInPoliciesNameTheirKinds() throws Exception {
        assertThat(snp(AppraisalPolicy.strict()).accepted()).isTrue();
        assertThat(sgx(AppraisalPolicy.strict()).failures()).extracting(Check::id)
                .containsExactly("policy.debug", "policy.tcb-status");
        AppraisalPolicy binding = AppraisalPolicy.strictBinding(Octets.copyOf(new byte[64]), Optional.empty());
        assertThat(tdx(binding).failures()).extracting(Check::id).contains("policy.evidence-kind");
        assertThat(snp(binding).failures()).extracting(Check::id).doesNotContain("policy.evidence-kind");
    }
}
