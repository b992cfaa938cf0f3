package dev.duet.attestation;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.QuoteVerification;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.SnpReportParser;
import dev.duet.attestation.snp.SnpVerifier;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every single-bit flip of a signed region makes verification fail (or the parser refuse the bytes). */
class BitFlipTest {
    private final SnpVerifier snp = new SnpVerifier(AmdTrust.amd(), dev.duet.attestation.x509.SignatureCache.create());
    private final QuoteVerifier dcap = new QuoteVerifier(IntelTrust.intel(), dev.duet.attestation.x509.SignatureCache.create());

    private interface Outcome {
        boolean accepted(byte[] candidate) throws Exception;
    }

    private static int flipAll(byte[] original, int from, int to, Outcome outcome) throws Exception {
        assertThat(outcome.accepted(original)).as("the unmodified input verifies").isTrue();
        int flips = 0;
        for (int bit = from * 8; bit < to * 8; bit++) {
            byte[] copy = original.clone();
            copy[bit / 8] ^= (byte) (1 << (bit % 8));
            boolean accepted;
            try {
                accepted = outcome.accepted(copy);
            } catch (MalformedEvidenceException e) {
                accepted = false;
            }
            assertThat(accepted).as("flip of bit %d (byte 0x%x) was accepted", bit % 8, bit / 8).isFalse();
            flips++;
        }
        return flips;
    }

    @Test
    void everyFlipOfAnSnpReportsSignedPartFails() throws Exception {
        for (String name : List.of("turin_v5_oak")) {
            EndorsementCertificate vcek = EndorsementCertificate.parse(bytes("snp/" + name + "_vcek.der"));
            int flips = flipAll(bytes("snp/" + name + "_report.bin"), 0, SnpReport.SIGNED_LENGTH,
                    candidate -> snp.verify(SnpReportParser.parse(candidate), vcek, TestVectors.SNP_TIME, List.of())
                            .verified());
            assertThat(flips).isEqualTo(SnpReport.SIGNED_LENGTH * 8);
        }
    }

    @Test
    void everyFlipOfAQuotesSignedPartAndQeReportFails() throws Exception {
        Instant at = Instant.parse("2026-02-10T00:00:00Z");
        for (String name : List.of("tdx/v5_emr_gotdxguest_quote.dat", "sgx/v3_icx_occlum_trustee_quote.dat")) {
            byte[] original = bytes(name);
            Quote parsed = QuoteParser.parse(original);
            Outcome outcome = candidate -> dcap.verify(QuoteParser.parse(candidate), Collateral.none(), at).verified();
            int signed = parsed.signedBytes().length();
            flipAll(original, 0, signed, outcome);
            int qeReport = signed + 4 + 128 + (parsed.header().version() == 3 ? 0 : 6);
            flipAll(original, qeReport, qeReport + 384, outcome);
        }
    }

    @Test
    void everyFlipOfSignedCollateralFails() throws Exception {
        Quote quote = QuoteParser.parse(bytes("tdx/v4_gnr_trustee_quote.dat"));
        Instant at = Instant.parse("2025-11-01T00:00:00Z");
        Collateral tcbInfo = CollateralParser.parseJson(bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"));
        byte[] identity = bytes("tdx/collateral/tdx_qe_identity_trustee.json");
        Outcome outcome = candidate -> {
            QuoteVerification result = dcap.verify(quote, tcbInfo.plus(CollateralParser.parseJson(candidate)), at);
            return result.checks().stream().filter(c -> c.id().equals("dcap.qe-identity")).allMatch(Check::passed)
                    && result.tcb().isPresent();
        };
        String text = new String(identity, java.nio.charset.StandardCharsets.US_ASCII);
        flipAll(identity, text.indexOf('{', 1), text.lastIndexOf(",\"signature\""), outcome);
    }
}
