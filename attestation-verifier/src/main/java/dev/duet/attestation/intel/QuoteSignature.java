package dev.duet.attestation.intel;

import dev.duet.attestation.Octets;

/**
 * The signature data of an ECDSA quote: the quote signature and attestation key, the quoting
 * enclave's report and its signature by the PCK, the QE authentication data, and the PCK
 * certificate chain (certification data type 5, PEM).
 */
public record QuoteSignature(Octets signature, Octets attestationKey, EnclaveReport qeReport,
        Octets qeReportSignature, Octets qeAuthData, int certificationDataType, Octets certificationData) {}
