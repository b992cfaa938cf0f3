package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;

/**
 * Where the hashes of perfect subtrees come from: the node at {@code level} and {@code index}
 * covers leaves {@code [index·2^level, (index+1)·2^level)}. Everything else (roots of any size,
 * proofs) is computed from these by {@link MerkleProofs}.
 */
@FunctionalInterface
public interface PerfectSubtrees {
    Sha256Hash node(int level, long index);
}
