package dev.duet.attestation.intel;

import dev.duet.attestation.Octets;

/**
 * An enclave's ATTRIBUTES decoded (Intel SDM vol. 3D, SECS.ATTRIBUTES): the FLAGS word (little-endian,
 * bytes 0-7) with INIT bit 0, DEBUG 1 (the enclave's memory can be read and changed), MODE64BIT 2,
 * PROVISIONKEY 4, EINITTOKEN_KEY 5, CET 6, KSS 7, AEXNOTIFY 10; and XFRM (bytes 8-15).
 */
public record SgxAttributes(Octets raw, boolean init, boolean debug, boolean mode64bit, boolean provisionKey,
        boolean einitTokenKey, boolean cet, boolean kss, boolean aexNotify, Octets xfrm) {

    /** {@code raw} is the 16-byte ATTRIBUTES field. */
    public static SgxAttributes decode(Octets raw) {
        long flags = 0;
        for (int i = 7; i >= 0; i--) {
            flags = flags << 8 | raw.byteAt(i);
        }
        return new SgxAttributes(raw, bit(flags, 0), bit(flags, 1), bit(flags, 2), bit(flags, 4), bit(flags, 5),
                bit(flags, 6), bit(flags, 7), bit(flags, 10), Octets.copyOfRange(raw.toByteArray(), 8, 16));
    }

    private static boolean bit(long flags, int index) {
        return (flags >>> index & 1) == 1;
    }
}
