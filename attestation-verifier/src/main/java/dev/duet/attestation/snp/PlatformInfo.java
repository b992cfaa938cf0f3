package dev.duet.attestation.snp;

/**
 * The report's PLATFORM_INFO word decoded (SEV-SNP ABI, AMD 56860, table "PLATFORM_INFO"): how the
 * host was configured when the report was made. SMT_EN bit 0, TSME_EN 1, ECC_EN 2, RAPL_DIS 3,
 * CIPHERTEXT_HIDING_EN 4, ALIAS_CHECK_COMPLETE 5 (the mitigation of CVE-2024-21944 ran since the last
 * reboot), TIO_EN 7.
 */
public record PlatformInfo(long raw, boolean smtEnabled, boolean tsmeEnabled, boolean eccEnabled, boolean raplDisabled,
        boolean ciphertextHidingEnabled, boolean aliasCheckComplete, boolean tioEnabled) {

    public static PlatformInfo decode(long raw) {
        return new PlatformInfo(raw, bit(raw, 0), bit(raw, 1), bit(raw, 2), bit(raw, 3), bit(raw, 4), bit(raw, 5),
                bit(raw, 7));
    }

    private static boolean bit(long raw, int index) {
        return (raw >>> index & 1) == 1;
    }
}
