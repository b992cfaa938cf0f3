package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.util.Arrays;

/**
 * The roots of the perfect subtrees that make up a tree of a given size, one per set bit of the
 * size, largest first: all that is needed to append a leaf and to compute the root, each in
 * O(log n). Not thread-safe; the log appends from one thread.
 */
public final class MerkleFrontier {
    private static final int LENGTH = Sha256Hash.LENGTH;
    /** One subtree per set bit of a size (at most 63), and room for the leaf being appended. */
    private static final int SLOTS = 64;

    /**
     * The subtrees' roots, {@value #LENGTH} bytes each, largest first. Kept as bytes, not hash
     * objects, so that {@link #append(byte[], int)} allocates nothing: a verifier appends millions.
     */
    private final byte[] subtrees;
    private int count;
    private long size;

    public MerkleFrontier() {
        this(new byte[SLOTS * LENGTH], 0, 0);
    }

    private MerkleFrontier(byte[] subtrees, int count, long size) {
        this.subtrees = subtrees;
        this.count = count;
        this.size = size;
    }

    /** Receives each perfect subtree an append completes: the leaf itself, then every merge. */
    @FunctionalInterface
    public interface NodeSink {
        void completed(int level, long index, Sha256Hash hash);
    }

    /** The frontier of a tree of {@code size} leaves, from its stored perfect subtrees. */
    public static MerkleFrontier restore(long size, PerfectSubtrees nodes) {
        MerkleFrontier frontier = new MerkleFrontier(new byte[SLOTS * LENGTH], 0, size);
        long start = 0;
        for (int level = 63; level >= 0; level--) {
            long width = 1L << level;
            if ((size & width) != 0) {
                System.arraycopy(nodes.node(level, start >>> level).toByteArray(), 0, frontier.subtrees, frontier.count++ * LENGTH, LENGTH);
                start += width;
            }
        }
        return frontier;
    }

    public MerkleFrontier copy() {
        return new MerkleFrontier(subtrees.clone(), count, size);
    }

    public long size() {
        return size;
    }

    public void append(Sha256Hash leafHash) {
        append(leafHash.toByteArray(), 0);
    }

    public void append(Sha256Hash leafHash, NodeSink created) {
        System.arraycopy(leafHash.toByteArray(), 0, subtrees, count * LENGTH, LENGTH);
        created.completed(0, size, leafHash);
        mergeTop(created);
    }

    /** Appends the leaf hash in {@code leafHashes[offset, offset + 32)}; allocates nothing. */
    public void append(byte[] leafHashes, int offset) {
        System.arraycopy(leafHashes, offset, subtrees, count * LENGTH, LENGTH);
        mergeTop(null);
    }

    /**
     * Merges the leaf just put on top with each perfect subtree of its height, as many as the old
     * size's trailing 1 bits; {@code created}, if any, receives each merge.
     */
    private void mergeTop(NodeSink created) {
        long index = size;
        int level = 0;
        for (long s = size; (s & 1) == 1; s >>>= 1) {
            int left = (count - 1) * LENGTH;
            MerkleHashes.node(subtrees, left, subtrees, count * LENGTH, subtrees, left);
            count--;
            level++;
            index >>>= 1;
            if (created != null) {
                created.completed(level, index, subtree(count));
            }
        }
        count++;
        size++;
    }

    private Sha256Hash subtree(int slot) {
        return Sha256Hash.wrap(Arrays.copyOfRange(subtrees, slot * LENGTH, (slot + 1) * LENGTH));
    }

    /** MTH of the whole tree (RFC 9162 §2.1.1): the subtree roots folded right to left. */
    public Sha256Hash root() {
        if (count == 0) {
            return MerkleHashes.EMPTY_ROOT;
        }
        byte[] root = Arrays.copyOfRange(subtrees, (count - 1) * LENGTH, count * LENGTH);
        for (int slot = count - 2; slot >= 0; slot--) {
            MerkleHashes.node(subtrees, slot * LENGTH, root, 0, root, 0);
        }
        return Sha256Hash.wrap(root);
    }
}
