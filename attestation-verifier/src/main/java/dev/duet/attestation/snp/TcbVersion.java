package dev.duet.attestation.snp;

import java.util.OptionalInt;

/**
 * A decoded TCB_VERSION: the security patch levels of the firmware components. Milan and Genoa put
 * BOOT_LOADER, TEE, SNP, MICROCODE in bytes 0, 1, 6, 7; Turin puts FMC, BOOT_LOADER, TEE, SNP in bytes
 * 0 to 3 and MICROCODE in byte 7.
 */
public record TcbVersion(long raw, OptionalInt fmc, int bootloader, int tee, int snp, int microcode) {

    public static TcbVersion decode(long raw, SnpProduct product) {
        if (product.hasFmc()) {
            return new TcbVersion(raw, OptionalInt.of(octet(raw, 0)), octet(raw, 1), octet(raw, 2), octet(raw, 3),
                    octet(raw, 7));
        }
        return new TcbVersion(raw, OptionalInt.empty(), octet(raw, 0), octet(raw, 1), octet(raw, 6), octet(raw, 7));
    }

    private static int octet(long raw, int index) {
        return (int) (raw >>> (8 * index)) & 0xff;
    }

    /** Whether every component is at least the one in {@code minimum}. */
    public boolean atLeast(TcbVersion minimum) {
        return bootloader >= minimum.bootloader && tee >= minimum.tee && snp >= minimum.snp
                && microcode >= minimum.microcode
                && (minimum.fmc.isEmpty() || fmc.orElse(0) >= minimum.fmc.getAsInt());
    }

    @Override
    public String toString() {
        return (fmc.isPresent() ? "fmc=" + fmc.getAsInt() + " " : "") + "bl=" + bootloader + " tee=" + tee + " snp=" + snp
                + " ucode=" + microcode;
    }
}
