package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.List;

/**
 * The roots of the perfect subtrees that make up a tree of a given size, one per set bit of the
 * size, largest first: all that is needed to append a leaf and to compute the root, each in
 * O(log n). Not thread-safe; the log appends under its own lock.
 */
public final class MerkleFrontier {
    private final List<Sha256Hash> subtrees = new ArrayList<>();
    private long size;

    public long size() {
        return size;
    }

    public void append(Sha256Hash leafHash) {
        Sha256Hash carry = leafHash;
        // Each trailing 1 bit of the old size is a perfect subtree of the new leaf's height: merge it.
        for (long s = size; (s & 1) == 1; s >>>= 1) {
            carry = MerkleHashes.node(subtrees.remove(subtrees.size() - 1), carry);
        }
        subtrees.add(carry);
        size++;
    }

    /** MTH of the whole tree (RFC 9162 §2.1.1): the subtree roots folded right to left. */
    public Sha256Hash root() {
        if (subtrees.isEmpty()) {
            return MerkleHashes.EMPTY_ROOT;
        }
        Sha256Hash root = subtrees.get(subtrees.size() - 1);
        for (int i = subtrees.size() - 2; i >= 0; i--) {
            root = MerkleHashes.node(subtrees.get(i), root);
        }
        return root;
    }
}
