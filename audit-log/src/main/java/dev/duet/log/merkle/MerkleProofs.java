package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.List;

/**
 * Roots and proofs by the definitions of RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1
 * (PROOF, SUBPROOF), over any source of perfect-subtree hashes. Every range the recursion visits
 * starts on a boundary of its own split, so MTH of a range costs O(log n) node lookups.
 */
public final class MerkleProofs {
    private final PerfectSubtrees nodes;

    public MerkleProofs(PerfectSubtrees nodes) {
        this.nodes = nodes;
    }

    /** Perfect subtrees computed from a list of leaf hashes: the reference, for tests and small trees. */
    public static MerkleProofs over(List<Sha256Hash> leaves) {
        return new MerkleProofs(new PerfectSubtrees() {
            @Override
            public Sha256Hash node(int level, long index) {
                if (level == 0) {
                    return leaves.get(Math.toIntExact(index));
                }
                return MerkleHashes.node(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
            }
        });
    }

    /** MTH(D[from:to]). */
    public Sha256Hash root(long from, long to) {
        long n = to - from;
        if (n == 0) {
            return MerkleHashes.EMPTY_ROOT;
        }
        if (Long.bitCount(n) == 1 && from % n == 0) {
            return nodes.node(Long.numberOfTrailingZeros(n), from / n);
        }
        long k = largestPowerOfTwoBelow(n);
        return MerkleHashes.node(root(from, from + k), root(from + k, to));
    }

    /** The audit path of leaf {@code index} in the tree of size {@code size}. */
    public List<Sha256Hash> inclusion(long index, long size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("need 0 <= index < size");
        }
        List<Sha256Hash> path = new ArrayList<>();
        path(index, 0, size, path);
        return path;
    }

    private void path(long m, long from, long to, List<Sha256Hash> out) {
        long n = to - from;
        if (n == 1) {
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m < k) {
            path(m, from, from + k, out);
            out.add(root(from + k, to));
        } else {
            path(m - k, from + k, to, out);
            out.add(root(from, from + k));
        }
    }

    /** The consistency proof between the trees of sizes {@code first} and {@code second}. */
    public List<Sha256Hash> consistency(long first, long second) {
        if (first < 0 || first > second) {
            throw new IllegalArgumentException("need 0 <= first <= second");
        }
        List<Sha256Hash> proof = new ArrayList<>();
        if (first > 0 && first < second) {
            subproof(first, 0, second, true, proof);
        }
        return proof;
    }

    private void subproof(long m, long from, long to, boolean complete, List<Sha256Hash> out) {
        long n = to - from;
        if (m == n) {
            if (!complete) {
                out.add(root(from, to));
            }
            return;
        }
        long k = largestPowerOfTwoBelow(n);
        if (m <= k) {
            subproof(m, from, from + k, complete, out);
            out.add(root(from + k, to));
        } else {
            subproof(m - k, from + k, to, false, out);
            out.add(root(from, from + k));
        }
    }

    /** The largest power of two strictly below {@code n}, for n >= 2. */
    static long largestPowerOfTwoBelow(long n) {
        return Long.highestOneBit(n - 1);
    }
}
