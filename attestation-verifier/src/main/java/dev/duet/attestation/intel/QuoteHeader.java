package dev.duet.attestation.intel;

import dev.duet.attestation.Octets;

/** The 48-byte header every DCAP quote starts with. QE and PCE SVN are meaningful only in SGX v3 quotes. */
public record QuoteHeader(int version, int attestationKeyType, long teeType, int qeSvn, int pceSvn, Octets qeVendorId,
        Octets userData) {
    public static final int SIZE = 48;
    public static final long TEE_SGX = 0x00;
    public static final long TEE_TDX = 0x81;
    public static final int ECDSA_P256 = 2;
    /** Intel's quoting enclave. */
    public static final Octets INTEL_QE_VENDOR = Octets.fromHex("939a7233f79c4ca9940a0db3957f0607");
}
