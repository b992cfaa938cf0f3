package dev.duet.attestation.azure;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a TPMS_ATTEST that must be a quote; total: any other input is a
 * {@link MalformedEvidenceException}. Sizes are bounded by the unions the TPM2B types are sized by
 * (TPM 2.0 Part 2): a name by TPMU_NAME, qualifying data and digests by TPMU_HA (SHA-512's 64 bytes).
 */
public final class TpmQuoteParser {
    /** TPM_GENERATED_VALUE: the TPM puts it in front of everything it signs, so a signed quote cannot be a signed external digest. */
    private static final long GENERATED = 0xff544347L;
    /** TPM_ST_ATTEST_QUOTE. */
    private static final int ATTEST_QUOTE = 0x8018;
    private static final int MAX_DIGEST = 64;
    private static final int MAX_NAME = 2 + MAX_DIGEST;
    /** PCR_SELECT_MAX for a TPM with up to 32 PCRs per bank (the vTPM has 24). */
    private static final int MAX_SELECT = 4;
    /** More banks than TPM 2.0 defines hash algorithms would be no quote a TPM made. */
    private static final int MAX_BANKS = 16;

    private TpmQuoteParser() {}

    public static TpmQuote parse(byte[] bytes) throws MalformedEvidenceException {
        BigEndian in = new BigEndian(bytes, "TPM quote");
        long magic = in.u32("magic");
        if (magic != GENERATED) {
            throw new MalformedEvidenceException("not a TPM-generated structure: magic 0x" + Long.toHexString(magic)
                    + ", expected 0xff544347 (TPM_GENERATED_VALUE)");
        }
        int type = in.u16("type");
        if (type != ATTEST_QUOTE) {
            throw new MalformedEvidenceException("the TPM attestation is of type 0x" + Integer.toHexString(type)
                    + ", not a quote (0x8018, TPM_ST_ATTEST_QUOTE)");
        }
        Octets signer = in.sized(MAX_NAME, "qualifiedSigner");
        Octets extraData = in.sized(MAX_DIGEST, "extraData");
        long clock = in.u64("clock");
        long resetCount = in.u32("resetCount");
        long restartCount = in.u32("restartCount");
        int safe = in.u8("safe");
        if (safe > 1) {
            throw new MalformedEvidenceException("TPM quote: safe is " + safe + ", not a TPMI_YES_NO");
        }
        long firmware = in.u64("firmwareVersion");
        long banks = in.u32("pcrSelect count");
        if (banks > MAX_BANKS) {
            throw new MalformedEvidenceException("TPM quote selects " + banks + " PCR banks; at most " + MAX_BANKS
                    + " are possible");
        }
        List<TpmQuote.PcrSelection> selections = new ArrayList<>();
        for (int bank = 0; bank < banks; bank++) {
            int hash = in.u16("pcrSelect hash");
            int size = in.u8("pcrSelect sizeofSelect");
            if (size > MAX_SELECT) {
                throw new MalformedEvidenceException("TPM quote: a PCR selection of " + size + " bytes; at most "
                        + MAX_SELECT + " are allowed");
            }
            Octets select = in.octets(size, "pcrSelect bitmap");
            List<Integer> pcrs = new ArrayList<>();
            for (int pcr = 0; pcr < size * 8; pcr++) {
                if ((select.byteAt(pcr / 8) >>> (pcr % 8) & 1) == 1) {
                    pcrs.add(pcr);
                }
            }
            selections.add(new TpmQuote.PcrSelection(hash, pcrs));
        }
        Octets digest = in.sized(MAX_DIGEST, "pcrDigest");
        in.end();
        return new TpmQuote(Octets.copyOf(bytes), signer, extraData, clock, resetCount, restartCount, safe == 1,
                firmware, selections, digest);
    }

    /**
     * A TPMT_SIGNATURE with RSASSA and SHA-256 (what {@code tpm2_quote} writes by default), reduced to
     * the bare PKCS #1 v1.5 signature the evidence JSON carries. Other schemes are refused: the
     * vTPM's attestation key signs only with RSASSA-SHA256.
     */
    public static Octets rsassaSignature(byte[] tpmtSignature) throws MalformedEvidenceException {
        BigEndian in = new BigEndian(tpmtSignature, "TPM signature");
        int scheme = in.u16("sigAlg");
        int hash = in.u16("hash");
        if (scheme != 0x0014 || hash != TpmQuote.SHA256) {
            throw new MalformedEvidenceException("the TPM signature is scheme 0x" + Integer.toHexString(scheme)
                    + " with hash 0x" + Integer.toHexString(hash) + "; only RSASSA (0x14) with SHA-256 (0xb) is accepted");
        }
        Octets signature = in.sized(512, "signature");
        in.end();
        return signature;
    }
}
