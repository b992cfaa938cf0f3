package dev.duet.attestation.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.Octets;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.SimulatedDcap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The simulated TD report reads as a TDREPORT_STRUCT that passes what AzureVtpmVerifier asks of one
 * (tdx.report-hashes: type 0x81 and both digests) and that its simulated quote carries field by
 * field (tdx.report-match: the same TD report body).
 */
class SimulatedTdReportTest {
    private static final byte[] REPORT_DATA = Arrays.copyOf("nonce".getBytes(StandardCharsets.US_ASCII), 64);
    private static final byte[] MR_TD = new byte[48];

    static {
        Arrays.fill(MR_TD, (byte) 0x42);
    }

    @Test
    void theReportIsATdxReportWhoseDigestsMatch() throws Exception {
        TdReportStruct report = TdReportStruct.parse(SimulatedDcap.tdReport(REPORT_DATA, MR_TD));

        assertThat(report.reportType().byteAt(0)).isEqualTo(0x81);
        byte[] tcb = Arrays.copyOf(report.teeTcbInfo().toByteArray(), TdReportStruct.TEE_TCB_INFO_HASHED);
        assertThat(report.teeTcbInfoHash()).isEqualTo(Octets.copyOf(MessageDigest.getInstance("SHA-384").digest(tcb)));
        assertThat(report.teeInfoHash()).isEqualTo(
                Octets.copyOf(MessageDigest.getInstance("SHA-384").digest(report.tdInfo().toByteArray())));
        assertThat(report.reportData()).isEqualTo(Octets.copyOf(REPORT_DATA));
        assertThat(report.body().mrTd()).isEqualTo(Octets.copyOf(MR_TD));
        assertThat(report.body().debug()).isFalse();
    }

    @Test
    void theQuoteCarriesExactlyTheReportsBody() throws Exception {
        byte[] report = SimulatedDcap.tdReport(REPORT_DATA, MR_TD);
        byte[] quote = SimulatedDcap.create(Instant.parse("2026-03-01T00:00:00Z")).quote(report);

        assertThat(QuoteParser.parse(quote).body()).isEqualTo(TdReportStruct.parse(report).body());
    }
}
