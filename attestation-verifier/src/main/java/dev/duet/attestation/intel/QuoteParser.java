package dev.duet.attestation.intel;

import dev.duet.attestation.LittleEndian;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;

/**
 * Parses Intel DCAP ECDSA quotes: SGX v3, TDX v4 and v5 (Intel "Quote Library" and TDX DCAP quote
 * layouts). Lengths come from the structure, never from the input size. After the signature data
 * only zero bytes may follow (real quotes come in zero-padded buffers: 8000 bytes from GCP, 70 extra
 * bytes from Azure); they are counted, and any other byte there is refused, since no signature covers
 * it. Total: any input is either a {@link Quote} or a {@link MalformedEvidenceException}.
 */
public final class QuoteParser {
    private static final int CERT_QE_REPORT = 6;
    private static final int CERT_PCK_CHAIN = 5;

    private QuoteParser() {}

    public static Quote parse(byte[] bytes) throws MalformedEvidenceException {
        LittleEndian in = new LittleEndian(bytes, "quote");
        QuoteHeader header = new QuoteHeader(in.u16(0, "version"), in.u16(2, "attestation key type"),
                in.u32(4, "TEE type"), in.u16(8, "QE SVN"), in.u16(10, "PCE SVN"), in.octets(12, 16, "QE vendor id"),
                in.octets(28, 20, "user data"));
        if (header.attestationKeyType() != QuoteHeader.ECDSA_P256) {
            throw new MalformedEvidenceException("attestation key type " + header.attestationKeyType()
                    + " is not supported (only 2, ECDSA P-256)");
        }
        int bodyType;
        int bodyOffset;
        int bodySize;
        switch (header.version()) {
            case 3 -> {
                if (header.teeType() != QuoteHeader.TEE_SGX) {
                    throw new MalformedEvidenceException("a version 3 quote must be SGX (TEE type 0), not 0x"
                            + Long.toHexString(header.teeType()));
                }
                bodyType = 1;
                bodyOffset = QuoteHeader.SIZE;
                bodySize = EnclaveReport.SIZE;
            }
            case 4 -> {
                bodyType = header.teeType() == QuoteHeader.TEE_TDX ? 2 : 1;
                bodyOffset = QuoteHeader.SIZE;
                bodySize = bodyType == 2 ? TdReport.SIZE_1_0 : EnclaveReport.SIZE;
            }
            case 5 -> {
                bodyType = in.u16(48, "body type");
                long declared = in.u32(50, "body size");
                bodyOffset = QuoteHeader.SIZE + 6;
                bodySize = switch (bodyType) {
                    case 1 -> EnclaveReport.SIZE;
                    case 2 -> TdReport.SIZE_1_0;
                    case 3 -> TdReport.SIZE_1_5;
                    default -> throw new MalformedEvidenceException("quote body type " + bodyType + " is unknown");
                };
                if (declared != bodySize) {
                    throw new MalformedEvidenceException("body type " + bodyType + " has " + bodySize
                            + " bytes, but the quote declares " + declared);
                }
            }
            default -> throw new MalformedEvidenceException("quote version " + header.version()
                    + " is not supported (3, 4 and 5 are)");
        }
        if (header.teeType() != QuoteHeader.TEE_SGX && header.teeType() != QuoteHeader.TEE_TDX) {
            throw new MalformedEvidenceException("TEE type 0x" + Long.toHexString(header.teeType()) + " is unknown");
        }
        if ((bodyType == 1) != (header.teeType() == QuoteHeader.TEE_SGX)) {
            throw new MalformedEvidenceException("body type " + bodyType + " does not fit TEE type 0x"
                    + Long.toHexString(header.teeType()));
        }
        QuoteBody body = bodyType == 1 ? EnclaveReport.parse(in, bodyOffset, "enclave report")
                : TdReport.parse(in, bodyOffset, bodyType == 3);
        int signedLength = bodyOffset + bodySize;
        long signatureLength = in.u32(signedLength, "signature data length");
        int signatureStart = signedLength + 4;
        if (signatureLength > bytes.length - signatureStart) {
            throw new MalformedEvidenceException("signature data declares " + signatureLength + " bytes but only "
                    + (bytes.length - signatureStart) + " follow");
        }
        int signatureEnd = signatureStart + (int) signatureLength;
        for (int i = signatureEnd; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                int extra = bytes.length - signatureEnd;
                throw new MalformedEvidenceException(extra + (extra == 1 ? " byte after the quote is" : " bytes after the quote are")
                        + " not zero padding (the byte at offset " + i + " is 0x" + String.format("%02x", bytes[i] & 0xff)
                        + "): only zero padding may follow a quote, since no signature covers it");
            }
        }
        LittleEndian sig = new LittleEndian(java.util.Arrays.copyOfRange(bytes, 0, signatureEnd), "quote signature data");
        Octets quoteSignature = sig.octets(signatureStart, 64, "quote signature");
        Octets attestationKey = sig.octets(signatureStart + 64, 64, "attestation key");
        int at = signatureStart + 128;
        QuoteSignature signature;
        if (header.version() == 3) {
            signature = qeSection(sig, at, signatureEnd, quoteSignature, attestationKey);
        } else {
            int outerType = sig.u16(at, "certification data type");
            long outerSize = sig.u32(at + 2, "certification data size");
            if (outerType != CERT_QE_REPORT) {
                throw new MalformedEvidenceException("certification data type " + outerType
                        + " is not supported (6, QE report certification data, is)");
            }
            if (outerSize != signatureEnd - (at + 6L)) {
                throw new MalformedEvidenceException("certification data declares " + outerSize + " bytes but "
                        + (signatureEnd - (at + 6L)) + " remain in the signature data");
            }
            signature = qeSection(sig, at + 6, signatureEnd, quoteSignature, attestationKey);
        }
        return new Quote(header, bodyType, body, Octets.copyOfRange(bytes, 0, signedLength), signature,
                bytes.length - signatureEnd);
    }

    private static QuoteSignature qeSection(LittleEndian sig, int at, int end, Octets quoteSignature,
            Octets attestationKey) throws MalformedEvidenceException {
        EnclaveReport qeReport = EnclaveReport.parse(sig, at, "QE report");
        Octets qeReportSignature = sig.octets(at + EnclaveReport.SIZE, 64, "QE report signature");
        int authAt = at + EnclaveReport.SIZE + 64;
        int authSize = sig.u16(authAt, "QE auth data size");
        Octets authData = sig.octets(authAt + 2, authSize, "QE auth data");
        int certAt = authAt + 2 + authSize;
        int certType = sig.u16(certAt, "PCK certification data type");
        long certSize = sig.u32(certAt + 2, "PCK certification data size");
        if (certType != CERT_PCK_CHAIN) {
            throw new MalformedEvidenceException("PCK certification data type " + certType
                    + " is not supported (5, the PEM certificate chain, is)");
        }
        if (certSize != end - (certAt + 6L)) {
            throw new MalformedEvidenceException("PCK certification data declares " + certSize + " bytes but "
                    + (end - (certAt + 6L)) + " remain in the signature data");
        }
        Octets chain = sig.octets(certAt + 6, (int) certSize, "PCK certificate chain");
        return new QuoteSignature(quoteSignature, attestationKey, qeReport, qeReportSignature, authData, certType,
                chain);
    }
}
