package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.List;

/**
 * The roots of the perfect subtrees that make up a tree of a given size, one per set bit of the
 * size, largest first: all that is needed to append a leaf and to compute the root, each in
 * O(log n). Not thread-safe; the log appends from one thread.
 */
public final class MerkleFrontier {
    private final List<Sha256Hash> subtrees;
    private long size;

    public MerkleFrontier() {
        this(new ArrayList<>(), 0);
    }

    private MerkleFrontier(List<Sha256Hash> subtrees, long size) {
        this.subtrees = subtrees;
        this.size = size;
    }

    /** Receives each perfect subtree an append completes: the leaf itself, then every merge. */
    @FunctionalInterface
    public interface NodeSink {
        void completed(int level, long index, Sha256Hash hash);
    }

    /** The frontier of a tree of {@code size} leaves, from its stored perfect subtrees. */
    public static MerkleFrontier restore(long size, PerfectSubtrees nodes) {
        List<Sha256Hash> subtrees = new ArrayList<>();
        long start = 0;
        for (int level = 63; level >= 0; level--) {
            long width = 1L << level;
            if ((size & width) != 0) {
                subtrees.add(nodes.node(level, start >>> level));
                start += width;
            }
        }
        return new MerkleFrontier(subtrees, size);
    }

    public MerkleFrontier copy() {
        return new MerkleFrontier(new ArrayList<>(subtrees), size);
    }

    public long size() {
        return size;
    }

    public void append(Sha256Hash leafHash) {
        append(leafHash, (level, index, hash) -> { });
    }

    public void append(Sha256Hash leafHash, NodeSink created) {
        long index = size;
        Sha256Hash carry = leafHash;
        int level = 0;
        created.completed(level, index, carry);
        // Each trailing 1 bit of the old size is a perfect subtree of the new leaf's height: merge it.
        for (long s = size; (s & 1) == 1; s >>>= 1) {
            carry = MerkleHashes.node(subtrees.remove(subtrees.size() - 1), carry);
            level++;
            index >>>= 1;
            created.completed(level, index, carry);
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
