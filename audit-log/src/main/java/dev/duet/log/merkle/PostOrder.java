package dev.duet.log.merkle;

import java.util.OptionalLong;

/**
 * Where each perfect subtree of the log's tree falls in post order, the order an append completes
 * them in: a leaf, then each subtree it completes, lowest first. Stored under these positions, the
 * nodes an append adds all go at the end of one index instead of at the ends of one range per level.
 */
public final class PostOrder {
    /** The most leaves a tree here may have: its node count, twice that, must stay a long with room to spare. */
    private static final long MAX_LEAVES = Long.MAX_VALUE >> 2;

    private PostOrder() {}

    /**
     * The position of the subtree at {@code level} and {@code index} (covering leaves
     * {@code [index·2^level, (index+1)·2^level)}): the nodes of a tree of its last leaf's index, plus its level.
     */
    public static long position(int level, long index) {
        if (level < 0 || level > 60 || index < 0 || index >= (Long.MAX_VALUE >> (level + 2))) {
            throw new IllegalArgumentException("no subtree at level " + level + ", index " + index);
        }
        return nodes(((index + 1) << level) - 1) + level;
    }

    /** How many subtrees a tree of {@code leaves} leaves has: every leaf and every perfect subtree above them. */
    public static long nodes(long leaves) {
        if (leaves < 0 || leaves > MAX_LEAVES) {
            throw new IllegalArgumentException("no tree of " + leaves + " leaves");
        }
        return 2 * leaves - Long.bitCount(leaves);
    }

    /** The number of leaves of the tree whose subtrees fill positions {@code [0, nodes)}; none if no tree has that many. */
    public static OptionalLong leaves(long nodes) {
        if (nodes < 0 || nodes > nodes(MAX_LEAVES)) {
            return OptionalLong.empty();
        }
        long lo = 0;
        long hi = Math.min(nodes, MAX_LEAVES);
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (nodes(mid) < nodes) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return nodes(lo) == nodes ? OptionalLong.of(lo) : OptionalLong.empty();
    }
}
