package dev.duet.attestation;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.SgxAttributes;
import dev.duet.attestation.intel.TdAttributes;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.snp.GuestPolicy;
import dev.duet.attestation.snp.PlatformInfo;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.SnpReportParser;
import org.junit.jupiter.api.Test;

/** The flag words decoded bit by bit, against the values MANIFEST.md records for the vendor vectors. */
class FlagWordsTest {
    @Test
    void snpGuestPolicyPlatformInfoAndSigner() throws Exception {
        SnpReport debug = SnpReportParser.parse(bytes("snp/milan_v2_debug_gosevguest_report.bin"));
        assertThat(debug.policy().flags()).isEqualTo(new GuestPolicy.Flags(0xb0000, 0, 0, true, false, true, false, false,
                false, false, false, false));
        assertThat(PlatformInfo.decode(debug.platformInfo())).isEqualTo(new PlatformInfo(1, true, false, false, false, false,
                false, false));
        assertThat(debug.signer()).isEqualTo(new SnpReport.Signer(0, "VCEK", false, false));
        GuestPolicy.Flags trustee = SnpReportParser.parse(bytes("snp/milan_v2_trustee_report.bin")).policy().flags();
        assertThat(trustee.abiMinor()).isEqualTo(31);
        assertThat(trustee.debug()).isFalse();
        assertThat(SnpReportParser.parse(bytes("snp/milan_v3_vlek_aws_trustee_report.bin")).signer().signingKey())
                .isEqualTo("VLEK");
        GuestPolicy.Flags every = new GuestPolicy(0x3FF_0000L | 0x0102).flags();
        assertThat(every).isEqualTo(new GuestPolicy.Flags(0x3FF_0102L, 1, 2, true, true, true, true, true, true, true, true,
                true));
        assertThat(PlatformInfo.decode(0xBF)).isEqualTo(new PlatformInfo(0xBF, true, true, true, true, true, true, true));
    }

    @Test
    void tdAttributes() throws Exception {
        TdReport spr = (TdReport) QuoteParser.parse(bytes("tdx/v4_spr_trustee_quote.dat")).body();
        assertThat(TdAttributes.decode(spr.tdAttributes())).isEqualTo(new TdAttributes(spr.tdAttributes(), true, true, false,
                false, false, false));
        TdReport gotdx = (TdReport) QuoteParser.parse(bytes("tdx/v5_emr_gotdxguest_quote.dat")).body();
        TdAttributes attributes = TdAttributes.decode(gotdx.tdAttributes());
        assertThat(attributes.debug()).isEqualTo(gotdx.debug());
        TdAttributes every = TdAttributes.decode(Octets.fromHex("01000070000000c0"));
        assertThat(every).isEqualTo(new TdAttributes(Octets.fromHex("01000070000000c0"), true, true, true, true, false, true));
        assertThat(TdAttributes.decode(Octets.fromHex("0000008000000000")).kl()).isTrue();
    }

    @Test
    void sgxAttributesOfTheEnclaveAndOfTheQuotingEnclave() throws Exception {
        Quote sgx = QuoteParser.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat"));
        SgxAttributes enclave = SgxAttributes.decode(((EnclaveReport) sgx.body()).attributes());
        assertThat(enclave.init()).isTrue();
        assertThat(enclave.debug()).isTrue();
        assertThat(enclave.mode64bit()).isTrue();
        assertThat(enclave.provisionKey()).isFalse();
        SgxAttributes qe = SgxAttributes.decode(sgx.signature().qeReport().attributes());
        assertThat(qe.provisionKey()).isTrue();
        assertThat(qe.debug()).isFalse();
        SgxAttributes every = SgxAttributes.decode(Octets.fromHex("f704000000000000e700000000000000"));
        assertThat(every).isEqualTo(new SgxAttributes(Octets.fromHex("f704000000000000e700000000000000"), true, true, true,
                true, true, true, true, true, Octets.fromHex("e700000000000000")));
    }
}
