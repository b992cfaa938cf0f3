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
        MessageDigest digest = Sha256Hash.digest();
        digest.update((byte) 0x01);
        digest.update(left.toByteArray());
        digest.update(right.toByteArray());
        return Sha256Hash.wrap(digest.digest());
    }
}
