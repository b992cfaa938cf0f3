package dev.duet.attestation;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.policy.PolicyException;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpReportParser;
import dev.duet.attestation.x509.Certificates;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Bytes after a structure are covered by no signature, so a file that carries them is refused rather
 * than half read. The one exception is zero padding after a DCAP quote, which real platforms send
 * (an 8000-byte GCP buffer, 70 zero bytes from Azure): it is accepted and counted.
 */
class TrailingBytesTest {
    private static byte[] plus(byte[] bytes, byte... more) {
        byte[] all = Arrays.copyOf(bytes, bytes.length + more.length);
        System.arraycopy(more, 0, all, bytes.length, more.length);
        return all;
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label
                + "-----\n";
    }

    @Test
    void anSnpReportIsExactly1184Bytes() {
        byte[] report = bytes("snp/milan_v3_oak_report.bin");
        assertThatThrownBy(() -> SnpReportParser.parse(plus(report, (byte) 0))).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("1 byte after the report");
        assertThatThrownBy(() -> Evidence.parse(plus(report, "appended".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("8 bytes after the report");
    }

    @Test
    void aCertificateIsOneCertificateAndNothingElse() throws Exception {
        byte[] der = bytes("snp/milan_v3_oak_vcek.der");
        assertThat(EndorsementCertificate.parse(der).certificate().getEncoded()).isEqualTo(der);
        assertThat(EndorsementCertificate.parse(pem("CERTIFICATE", der).getBytes(StandardCharsets.US_ASCII)).certificate()
                .getEncoded()).isEqualTo(der);
        assertThatThrownBy(() -> EndorsementCertificate.parse(plus(der, (byte) 0))).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("1 byte after the certificate");
        assertThatThrownBy(() -> EndorsementCertificate.parse(plus(der, bytes("snp/milan_v2_trustee_vcek.der"))))
                .hasMessageContaining("after the certificate");
        assertThatThrownBy(() -> EndorsementCertificate.parse((pem("CERTIFICATE", der) + "junk\n")
                .getBytes(StandardCharsets.US_ASCII))).hasMessageContaining("after the END line");
        assertThatThrownBy(() -> EndorsementCertificate.parse(("comment\n" + pem("CERTIFICATE", der))
                .getBytes(StandardCharsets.US_ASCII))).hasMessageContaining("before the BEGIN line");
        assertThatThrownBy(() -> EndorsementCertificate.parse((pem("CERTIFICATE", der) + pem("CERTIFICATE", der))
                .getBytes(StandardCharsets.US_ASCII))).hasMessageContaining("one certificate");
        assertThatThrownBy(() -> EndorsementCertificate.parse(pem("CERTIFICATE", plus(der, (byte) 0))
                .getBytes(StandardCharsets.US_ASCII))).hasMessageContaining("after the certificate");
    }

    @Test
    void aPemChainHoldsOnlyCertificatesAndWhitespace() throws Exception {
        String chain = new String(bytes("roots/intel/intel_sgx_tcb_signing_notafter2032.pem"), StandardCharsets.US_ASCII)
                + new String(bytes("roots/intel/intel_sgx_root_ca.pem"), StandardCharsets.US_ASCII);
        assertThat(Certificates.parsePemChain(chain.getBytes(StandardCharsets.US_ASCII), "chain")).hasSize(2);
        int second = chain.indexOf("-----BEGIN", 10);
        String junkBetween = chain.substring(0, second) + "junk\n" + chain.substring(second);
        assertThatThrownBy(() -> Certificates.parsePemChain(junkBetween.getBytes(StandardCharsets.US_ASCII), "chain"))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("not PEM");
        assertThatThrownBy(() -> Certificates.parsePemChain((chain + "junk").getBytes(StandardCharsets.US_ASCII), "chain"))
                .hasMessageContaining("not PEM");
    }

    @Test
    void aCrlIsOneCrlAndNothingElse() throws Exception {
        byte[] crl = bytes("sgx/collateral/pck_platform_crl_2025_automata.der");
        assertThat(CollateralParser.crl(crl).getEncoded()).isEqualTo(crl);
        assertThat(CollateralParser.crl(pem("X509 CRL", crl).getBytes(StandardCharsets.US_ASCII)).getEncoded()).isEqualTo(crl);
        assertThatThrownBy(() -> CollateralParser.crl(plus(crl, (byte) 0x30, (byte) 0))).isInstanceOf(
                MalformedEvidenceException.class).hasMessageContaining("2 bytes after the CRL");
        assertThatThrownBy(() -> CollateralParser.crl((pem("X509 CRL", crl) + "x").getBytes(StandardCharsets.US_ASCII)))
                .hasMessageContaining("after the END line");
    }

    @Test
    void jsonDocumentsEndWhereTheyEnd() {
        byte[] identity = bytes("sgx/collateral/sgx_qe_identity_automata.json");
        assertThatThrownBy(() -> CollateralParser.parseJson(plus(identity, " {}".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("after the JSON document");
        assertThatThrownBy(() -> PolicyParser.parse("{\"sgx\": {}} {\"allowDebug\": true}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PolicyException.class).hasMessageContaining("after the JSON document");
    }

    @Test
    void aQuoteMayBeFollowedOnlyByZeroPadding() throws Exception {
        Quote padded = QuoteParser.parse(bytes("tdx/v4_gcp_cos113_gotdxguest_quote_padded8000.dat"));
        assertThat(padded.paddingBytes()).isEqualTo(3065);
        byte[] exact = bytes("tdx/v4_spr_trustee_quote.dat");
        assertThat(QuoteParser.parse(exact).paddingBytes()).isZero();
        assertThat(QuoteParser.parse(plus(exact, new byte[70])).paddingBytes()).isEqualTo(70);
        assertThatThrownBy(() -> QuoteParser.parse(plus(exact, (byte) 0, (byte) 0, (byte) 7)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("not zero padding")
                .hasMessageContaining("offset " + (exact.length + 2));
        byte[] upstream = bytes("tdx/v4_spr_gotdxguest_quote.dat");
        assertThatThrownBy(() -> QuoteParser.parse(upstream)).hasMessageContaining("39 bytes after the quote are not zero padding");
        assertThat(QuoteParser.parse(Arrays.copyOf(upstream, upstream.length - 39)).paddingBytes()).isZero();
    }

    /** One byte is "1 byte", in the parser's refusal and in the verdict's padding check. */
    @Test
    void oneTrailingByteIsCountedInTheSingular() throws Exception {
        byte[] exact = bytes("tdx/v4_spr_trustee_quote.dat");
        assertThatThrownBy(() -> QuoteParser.parse(plus(exact, (byte) 7)))
                .hasMessageStartingWith("1 byte after the quote is not zero padding");
        Evidence padded = Evidence.parse(plus(exact, (byte) 0));
        Verdict verdict = AttestationVerifier.vendorRoots().verify(padded, java.util.Optional.empty(),
                dev.duet.attestation.collateral.Collateral.none(), dev.duet.attestation.policy.AppraisalPolicy.strict(),
                java.time.Instant.parse("2025-01-01T00:00:00Z"));
        assertThat(verdict.checks()).filteredOn(c -> c.id().equals("dcap.padding")).singleElement()
                .extracting(Check::describe).asString().contains("1 zero byte after the quote ignored");
    }
}
