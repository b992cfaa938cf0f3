package dev.duet.attestation.intel;

import dev.duet.attestation.Octets;

/**
 * A TD report's TDATTRIBUTES decoded (a little-endian 64-bit word; Intel TDX module ABI, "TD
 * attributes"): DEBUG bit 0 (the host can read and change the TD), SEPT_VE_DISABLE bit 28,
 * MIGRATABLE bit 29, PKS bit 30, KL bit 31, PERFMON bit 63.
 */
public record TdAttributes(Octets raw, boolean debug, boolean septVeDisable, boolean migratable, boolean pks, boolean kl,
        boolean perfmon) {

    /** {@code raw} is the 8-byte TDATTRIBUTES field. */
    public static TdAttributes decode(Octets raw) {
        long word = 0;
        for (int i = 7; i >= 0; i--) {
            word = word << 8 | raw.byteAt(i);
        }
        return new TdAttributes(raw, bit(word, 0), bit(word, 28), bit(word, 29), bit(word, 30), bit(word, 31), bit(word, 63));
    }

    private static boolean bit(long word, int index) {
        return (word >>> index & 1) == 1;
    }
}
