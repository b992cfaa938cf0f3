package dev.duet.attestation.azure;

import dev.duet.attestation.Octets;
import java.util.List;

/**
 * A TPM2_Quote's TPMS_ATTEST (TPM 2.0 Part 2, 10.12.12, with TPMS_QUOTE_INFO, 10.12.4): what the
 * attestation key signed. {@code message} is the exact bytes, because the signature is over them.
 * {@code extraData} is the caller's qualifying data (the nonce); {@code pcrDigest} the digest of
 * the selected PCRs, in selection order.
 */
public record TpmQuote(
        Octets message,
        Octets qualifiedSigner,
        Octets extraData,
        long clock,
        long resetCount,
        long restartCount,
        boolean safe,
        long firmwareVersion,
        List<PcrSelection> pcrSelections,
        Octets pcrDigest) {

    /** TPM_ALG_SHA256. */
    public static final int SHA256 = 0x000B;

    public TpmQuote {
        pcrSelections = List.copyOf(pcrSelections);
    }

    /** One TPMS_PCR_SELECTION: a hash algorithm (bank) and the PCR indices selected, ascending. */
    public record PcrSelection(int hashAlg, List<Integer> pcrs) {
        public PcrSelection {
            pcrs = List.copyOf(pcrs);
        }
    }

    /** How many PCR values the digest covers, over all banks. */
    public int selectedCount() {
        return pcrSelections.stream().mapToInt(selection -> selection.pcrs().size()).sum();
    }
}
