package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.security.MessageDigest;

/**
 * RFC 9162 §2.1.1 hashing: leaves are SHA-256(0x00 ‖ entry), interior nodes SHA-256(0x01 ‖ left ‖
 * right), and the empty tree's root is SHA-256 of the empty string. The prefixes keep a leaf from
 * ever passing for a node.
 */
public final class MerkleHashes {
    public static final Sha256Hash EMPTY_ROOT = Sha256Hash.of(new byte[0]);

    private MerkleHashes() {}

    public static Sha256Hash leaf(byte[] entry) {
        MessageDigest digest = Sha256Hash.digest();
        digest.update((byte) 0x00);
        digest.update(entry);
        return Sha256Hash.wrap(digest.digest());
    }

    public static Sha256Hash node(Sha256Hash left, Sha256Hash right) {
        byte[] out = new byte[Sha256Hash.LENGTH];
        node(left.toByteArray(), 0, right.toByteArray(), 0, out, 0);
        return Sha256Hash.wrap(out);
    }

    /** {@link #node} on hashes held in arrays, into {@code out[outAt, outAt + 32)}, which may be where an input is; allocates nothing. */
    static void node(byte[] left, int leftAt, byte[] right, int rightAt, byte[] out, int outAt) {
        MessageDigest digest = Sha256Hash.digest();
        digest.update((byte) 0x01);
        digest.update(left, leftAt, Sha256Hash.LENGTH);
        digest.update(right, rightAt, Sha256Hash.LENGTH);
        Sha256Hash.digestInto(digest, out, outAt);
    }
}
