package dev.duet.attestation.snp;

/**
 * The guest policy the VM was launched with: the POLICY field of the report, laid out as the
 * SEV-SNP Firmware ABI specification's GUEST_POLICY structure (AMD 56860, table "GUEST_POLICY"): ABI minor
 * (bits 7:0) and major (15:8), SMT 16, reserved-one 17, MIGRATE_MA 18, DEBUG 19, SINGLE_SOCKET 20,
 * CXL_ALLOW 21, MEM_AES_256_XTS 22, RAPL_DIS 23, CIPHERTEXT_HIDING 24, PAGE_SWAP_DISABLE 25.
 */
public record GuestPolicy(long raw) {
    /** Every field of the policy, named as the specification names it, for people and JSON to read. */
    public record Flags(long raw, int abiMajor, int abiMinor, boolean smt, boolean migrateMa, boolean debug,
            boolean singleSocket, boolean cxlAllow, boolean memAes256Xts, boolean raplDis, boolean ciphertextHiding,
            boolean pageSwapDisable) {}

    public Flags flags() {
        return new Flags(raw, abiMajor(), abiMinor(), smtAllowed(), migrationAgentAllowed(), debugAllowed(), singleSocket(),
                cxlAllowed(), memAes256Xts(), raplDisabled(), ciphertextHiding(), pageSwapDisabled());
    }

    private boolean bit(int index) {
        return (raw >>> index & 1) == 1;
    }

    public int abiMinor() {
        return (int) (raw & 0xff);
    }

    public int abiMajor() {
        return (int) (raw >>> 8 & 0xff);
    }

    public boolean smtAllowed() {
        return bit(16);
    }

    /** Bit 17 is reserved and must be one. */
    public boolean reservedOneSet() {
        return bit(17);
    }

    public boolean migrationAgentAllowed() {
        return bit(18);
    }

    /** A debug guest lets the host read and change its memory. */
    public boolean debugAllowed() {
        return bit(19);
    }

    public boolean singleSocket() {
        return bit(20);
    }

    public boolean cxlAllowed() {
        return bit(21);
    }

    public boolean memAes256Xts() {
        return bit(22);
    }

    public boolean raplDisabled() {
        return bit(23);
    }

    public boolean ciphertextHiding() {
        return bit(24);
    }

    public boolean pageSwapDisabled() {
        return bit(25);
    }
}
