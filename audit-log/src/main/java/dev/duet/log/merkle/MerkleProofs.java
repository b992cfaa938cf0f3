package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.List;

/**
 * Proof generation by the definitions of RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (PROOF, SUBPROOF)
 * over a list of leaf hashes. It recomputes subtree hashes, so it is the reference that faster,
 * storage-backed generation is checked against, not what a large log serves from.
 */
public final class MerkleProofs {
    private MerkleProofs() {}

    /** MTH(D[from:to]), RFC 9162 §2.1.1. */
    public static Sha256Hash root(List<Sha256Hash> leaves, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return MerkleHashes.EMPTY_ROOT;
        }
        if (n == 1) {
            return leaves.get(from);
        }
        int k = largestPowerOfTwoBelow(n);
        return MerkleHashes.node(root(leaves, from, from + k), root(leaves, from + k, to));
    }

    /** The audit path of leaf {@code index} in the tree of the first {@code size} leaves. */
    public static List<Sha256Hash> inclusion(List<Sha256Hash> leaves, int index, int size) {
        if (index < 0 || size > leaves.size() || index >= size) {
            throw new IllegalArgumentException("need 0 <= index < size <= " + leaves.size());
        }
        List<Sha256Hash> path = new ArrayList<>();
        path(leaves, index, 0, size, path);
        return path;
    }

    private static void path(List<Sha256Hash> leaves, int m, int from, int to, List<Sha256Hash> out) {
        int n = to - from;
        if (n == 1) {
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(leaves, m, from, from + k, out);
            out.add(root(leaves, from + k, to));
        } else {
            path(leaves, m - k, from + k, to, out);
            out.add(root(leaves, from, from + k));
        }
    }

    /** The consistency proof between the trees of the first {@code first} and {@code second} leaves. */
    public static List<Sha256Hash> consistency(List<Sha256Hash> leaves, int first, int second) {
        if (first < 0 || second > leaves.size() || first > second) {
            throw new IllegalArgumentException("need 0 <= first <= second <= " + leaves.size());
        }
        List<Sha256Hash> proof = new ArrayList<>();
        if (first > 0 && first < second) {
            subproof(leaves, first, 0, second, true, proof);
        }
        return proof;
    }

    private static void subproof(List<Sha256Hash> leaves, int m, int from, int to, boolean complete, List<Sha256Hash> out) {
        int n = to - from;
        if (m == n) {
            if (!complete) {
                out.add(root(leaves, from, to));
            }
            return;
        }
        int k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(leaves, m, from, from + k, complete, out);
            out.add(root(leaves, from + k, to));
        } else {
            subproof(leaves, m - k, from + k, to, false, out);
            out.add(root(leaves, from, from + k));
        }
    }

    /** The largest power of two strictly below {@code n}, for n >= 2. */
    static int largestPowerOfTwoBelow(int n) {
        return Integer.highestOneBit(n - 1);
    }
}
