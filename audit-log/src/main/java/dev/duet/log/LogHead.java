package dev.duet.log;

/** The size of the log and the hash of its last entry ({@link Sha256Hash#ZERO} when empty). */
public record LogHead(long size, Sha256Hash hash) {}
