package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.security.DigestException;
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
        MessageDigest digest = Sha256Hash.digest();
        digest.update((byte) 0x01);
        digest.update(left.toByteArray());
        digest.update(right.toByteArray());
        return Sha256Hash.wrap(digest.digest());
    }

    /** {@link #node} on hashes held in arrays, into {@code out[outAt, outAt + 32)}, which may be where an input is; allocates nothing. */
    static void node(byte[] left, int leftAt, byte[] right, int rightAt, byte[] out, int outAt) {
        MessageDigest digest = Sha256Hash.digest();
        digest.update((byte) 0x01);
        digest.update(left, leftAt, Sha256Hash.LENGTH);
        digest.update(right, rightAt, Sha256Hash.LENGTH);
        try {
            digest.digest(out, outAt, Sha256Hash.LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException("32 bytes hold a SHA-256 value", e);
        }
    }
}
