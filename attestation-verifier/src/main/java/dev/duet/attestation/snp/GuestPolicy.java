package dev.duet.attestation.snp;

/** The guest policy the VM was launched with (SEV-SNP ABI, POLICY field). */
public record GuestPolicy(long raw) {
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
