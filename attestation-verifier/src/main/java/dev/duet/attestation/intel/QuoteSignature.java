package dev.duet.attestation.intel;

import dev.duet.attestation.Octets;

/**
 * The signature data of an ECDSA quote: the quote signature and attestation key, the quoting
 * enclave's report and its signature by the PCK, the QE authentication data, and the PCK
 * certificate chain (certification data type 5, PEM).
 */
public record QuoteSignature(Octets signature, Octets attestationKey, EnclaveReport qeReport,
        Octets qeReportSignature, Octets qeAuthData, int certificationDataType, Octets certificationData) {

    /**
     * The PEM chain without the NUL bytes after it: Intel's quote library writes the chain as a C
     * string, and the terminator is not part of the PEM.
     */
    public byte[] pemChain() {
        byte[] bytes = certificationData.toByteArray();
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return java.util.Arrays.copyOf(bytes, end);
    }
}
