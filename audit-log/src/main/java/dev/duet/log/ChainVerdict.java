package dev.duet.log;

/** The outcome of recomputing a hash chain: intact up to a head, or broken at a named index. */
public sealed interface ChainVerdict {
    /** Every entry links to its predecessor; {@code head} is the hash of the last one. */
    record Intact(long size, Sha256Hash head) implements ChainVerdict {}

    /** The first entry that does not fit, by its position in the input, and why. */
    record Broken(long index, String reason) implements ChainVerdict {}
}
