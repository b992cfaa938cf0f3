package dev.duet.attestation.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.collateral.Collateral;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Every single-bit flip of the HCL report (header, hardware report, runtime claims, padding), of the
 * TPM quote, of its signature and of the PCR values makes the evidence refused: a parse error or a
 * failed check. The only bytes no check covers are named, with the reason, and asserted exactly.
 */
class AzureBitFlipTest {
    private final AzureVtpmVerifier verifier = AzureVtpmVerifier.vendorRoots();

    private interface Variant {
        AzureEvidence build(byte[] flipped) throws MalformedEvidenceException;
    }

    /** The byte offsets of {@code original} where some bit flip was accepted; every other flip is asserted refused. */
    private TreeSet<Integer> acceptedFlips(AzureVectors vector, byte[] original, Variant variant) {
        TreeSet<Integer> accepted = new TreeSet<>();
        for (int bit = 0; bit < original.length * 8; bit++) {
            byte[] copy = original.clone();
            copy[bit / 8] ^= (byte) (1 << (bit % 8));
            try {
                if (verifier.verify(variant.build(copy), vector.nonce(), Collateral.none(), vector.policy(), vector.at())
                        .accepted()) {
                    accepted.add(bit / 8);
                }
            } catch (MalformedEvidenceException refused) {
                // refused by the parser: what the test wants
            }
        }
        return accepted;
    }

    @Test
    void everyFlipOfAnSnpHclReportIsRefused() throws Exception {
        for (AzureVectors vector : List.of(AzureVectors.SNP_MILAN, AzureVectors.SNP_GENOA)) {
            assertThat(acceptedFlips(vector, vector.hcl(),
                    hcl -> vector.with(hcl, vector.message(), vector.signature(), vector.pcrs()))).as(vector.file()).isEmpty();
        }
    }

    /**
     * A TD report has parts that neither the TD quote nor the report's own digests carry: the rest of
     * REPORTTYPE after its type byte, RESERVED and CPUSVN (REPORTMACSTRUCT bytes 1-31), RESERVED and
     * the MAC (192-255), which only the CPU can check, and TEE_TCB_INFO's reserved tail (239-255),
     * outside TEE_TCB_INFO_HASH. Flipping them changes nothing verification relies on; all other bytes
     * of the HCL report are covered.
     */
    @Test
    void everyFlipOfATdxHclReportIsRefusedExceptTheTdReportsUncoveredBytes() throws Exception {
        AzureVectors vector = AzureVectors.TDX;
        int report = HclReport.HEADER_SIZE;
        List<Integer> uncovered = new ArrayList<>();
        IntStream.range(report + 1, report + 32).forEach(uncovered::add);
        IntStream.range(report + 192, report + 256).forEach(uncovered::add);
        IntStream.range(report + 256 + TdReportStruct.TEE_TCB_INFO_HASHED, report + 512).forEach(uncovered::add);
        assertThat(acceptedFlips(vector, vector.hcl(),
                hcl -> vector.with(hcl, vector.message(), vector.signature(), vector.pcrs()))).containsExactlyElementsOf(uncovered);
    }

    @Test
    void everyFlipOfTheTpmQuoteItsSignatureAndThePcrsIsRefused() throws Exception {
        for (AzureVectors vector : AzureVectors.all()) {
            assertThat(acceptedFlips(vector, vector.message(),
                    message -> vector.with(vector.hcl(), message, vector.signature(), vector.pcrs()))).isEmpty();
            assertThat(acceptedFlips(vector, vector.signature(),
                    signature -> vector.with(vector.hcl(), vector.message(), signature, vector.pcrs()))).isEmpty();
            byte[] pcrs = new byte[vector.pcrs().size() * 32];
            for (int i = 0; i < vector.pcrs().size(); i++) {
                System.arraycopy(vector.pcrs().get(i), 0, pcrs, i * 32, 32);
            }
            assertThat(acceptedFlips(vector, pcrs, flipped -> vector.with(vector.hcl(), vector.message(),
                    vector.signature(), IntStream.range(0, flipped.length / 32)
                            .mapToObj(i -> java.util.Arrays.copyOfRange(flipped, i * 32, i * 32 + 32)).toList()))).isEmpty();
        }
    }
}
