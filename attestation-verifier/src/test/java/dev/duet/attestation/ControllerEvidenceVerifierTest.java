package dev.duet.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControllerEvidenceVerifierTest {
    private static final Octets BINDING = ControllerKeyBinding.reportData(new byte[44], "n1");

    private static ControllerEvidenceVerdict verify(TeeKind tee, Optional<ControllerEvidenceVerifier.Report> report) {
        return ControllerEvidenceVerifier.verify(tee, report, BINDING, ControllerEvidenceVerifier.Trust.vendorRoots(),
                TestVectors.SNP_TIME);
    }

    @Test
    void noTeeIsNeverAttested() {
        assertThat(verify(TeeKind.NONE, Optional.empty())).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class)
                .extracting(ControllerEvidenceVerdict::reason).asString().contains("without a TEE");
    }

    @Test
    void aTeeKindWithoutAReportFailsClosed() {
        for (TeeKind kind : new TeeKind[] {TeeKind.SGX, TeeKind.TDX, TeeKind.SEV_SNP}) {
            assertThat(verify(kind, Optional.empty())).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class)
                    .extracting(ControllerEvidenceVerdict::reason).asString().contains("carries no report");
        }
        assertThat(TeeKind.parse("sev-snp")).contains(TeeKind.SEV_SNP);
        assertThat(TeeKind.parse("SEV-SNP")).isEmpty();
    }

    /**
     * Genuine AMD-signed reports, from other software: they verify against AMD's roots, but their
     * REPORT_DATA binds other data than this controller's key and nonce, and that check says so.
     */
    @ParameterizedTest
    @ValueSource(strings = {"milan_v3_oak", "genoa_v5_oak", "turin_v5_oak", "milan_v2_trustee"})
    void realSnpReportsFailTheKeyBinding(String vector) {
        ControllerEvidenceVerifier.Report report = new ControllerEvidenceVerifier.Report("configfs-tsm", false,
                Octets.copyOf(TestVectors.bytes("snp/" + vector + "_report.bin")), certificateTable(vector));
        ControllerEvidenceVerdict verdict = verify(TeeKind.SEV_SNP, Optional.of(report));
        assertThat(verdict).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
        assertThat(failed(verdict.checks())).containsExactly("policy.report-data", ControllerEvidenceVerifier.MEASUREMENT_CHECK);
        assertThat(verdict.reason()).startsWith("policy.report-data").contains(BINDING.hex());
        assertThat(passed(verdict.checks())).contains("snp.chain", "snp.signature");
    }

    /**
     * A genuine Intel-signed SGX quote (Occlum, through Trustee), as Gramine's /dev/attestation/quote
     * would give one: it goes through the DCAP path, and its REPORT_DATA binds other data than this
     * controller's key and nonce, which the key binding check says.
     */
    @Test
    void aRealSgxQuoteFailsTheKeyBinding() {
        ControllerEvidenceVerifier.Report report = new ControllerEvidenceVerifier.Report("gramine-sgx", false,
                Octets.copyOf(TestVectors.bytes("sgx/v3_icx_occlum_trustee_quote.dat")), Octets.copyOf(new byte[0]));
        ControllerEvidenceVerdict verdict = verify(TeeKind.SGX, Optional.of(report));
        assertThat(verdict).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
        assertThat(failed(verdict.checks())).as("a debug enclave, no collateral here, and no pinned MRENCLAVE fail too")
                .containsExactlyInAnyOrder("policy.debug", "policy.report-data", "policy.tcb-status", ControllerEvidenceVerifier.MEASUREMENT_CHECK);
        assertThat(verdict.checks()).filteredOn(c -> c.id().equals("policy.report-data")).singleElement()
                .satisfies(c -> assertThat(c.expected()).contains(BINDING.hex()));
        assertThat(verdict.checks()).filteredOn(c -> c.id().equals(ControllerEvidenceVerifier.MEASUREMENT_CHECK)).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("MRENCLAVE"));
        assertThat(passed(verdict.checks())).contains(ControllerEvidenceVerifier.REPORT_CHECK, "dcap.quote-signature", "dcap.pck-chain");
    }

    @Test
    void aReportOfAnotherKindThanTheEvidenceNamesIsRefused() {
        ControllerEvidenceVerifier.Report report = new ControllerEvidenceVerifier.Report("configfs-tsm", false,
                Octets.copyOf(TestVectors.bytes("snp/milan_v3_oak_report.bin")), certificateTable("milan_v3_oak"));
        assertThat(failed(verify(TeeKind.TDX, Optional.of(report)).checks())).containsExactly(ControllerEvidenceVerifier.REPORT_CHECK);
    }

    @Test
    void aCertificateTableWithoutAnEndorsementKeyIsRefused() {
        ControllerEvidenceVerifier.Report report = new ControllerEvidenceVerifier.Report("configfs-tsm", false,
                Octets.copyOf(TestVectors.bytes("snp/milan_v3_oak_report.bin")),
                new dev.duet.attestation.snp.SevCertificateTable(List.of()).encode());
        ControllerEvidenceVerdict verdict = verify(TeeKind.SEV_SNP, Optional.of(report));
        assertThat(failed(verdict.checks())).containsExactly(ControllerEvidenceVerifier.REPORT_CHECK);
        assertThat(verdict.reason()).contains("the VCEK the report's SIGNING_KEY names");
    }

    @Test
    void anEmptyAuxblobSaysTheHostSuppliedNoCertificate() {
        ControllerEvidenceVerifier.Report report = new ControllerEvidenceVerifier.Report("tsm", false,
                Octets.copyOf(TestVectors.bytes("snp/milan_v3_oak_report.bin")), Octets.copyOf(new byte[0]));
        ControllerEvidenceVerdict verdict = verify(TeeKind.SEV_SNP, Optional.of(report));
        assertThat(failed(verdict.checks())).containsExactly(ControllerEvidenceVerifier.REPORT_CHECK);
        assertThat(verdict.reason()).contains("the host supplied no VCEK/VLEK certificate");
    }

    /** The report's SIGNING_KEY says which certificate checks it: a VCEK-signed report is not checked with a table's VLEK. */
    @Test
    void theEndorsementIsTheOneTheReportsSigningKeyNames() {
        Octets vcek = Octets.copyOf(TestVectors.bytes("snp/milan_v3_oak_vcek.der"));
        ControllerEvidenceVerifier.Report report = new ControllerEvidenceVerifier.Report("tsm", false,
                Octets.copyOf(TestVectors.bytes("snp/milan_v3_oak_report.bin")), new dev.duet.attestation.snp.SevCertificateTable(List.of(
                        new dev.duet.attestation.snp.SevCertificateTable.Entry(dev.duet.attestation.snp.SevCertificateTable.VLEK, vcek)))
                        .encode());
        ControllerEvidenceVerdict verdict = verify(TeeKind.SEV_SNP, Optional.of(report));
        assertThat(failed(verdict.checks())).containsExactly(ControllerEvidenceVerifier.REPORT_CHECK);
        assertThat(verdict.reason()).contains("VCEK");
    }

    static Octets certificateTable(String vector) {
        return new dev.duet.attestation.snp.SevCertificateTable(List.of(new dev.duet.attestation.snp.SevCertificateTable.Entry(
                dev.duet.attestation.snp.SevCertificateTable.VCEK, Octets.copyOf(TestVectors.bytes("snp/" + vector + "_vcek.der")))))
                .encode();
    }

    private static List<String> failed(List<Check> checks) {
        return checks.stream().filter(c -> !c.passed()).map(Check::id).toList();
    }

    private static List<String> passed(List<Check> checks) {
        return checks.stream().filter(Check::passed).map(Check::id).toList();
    }
}
