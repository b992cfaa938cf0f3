package dev.duet.controller;

/** A file in place on a CVM: its transfer id, path, mode, size and SHA-256, and the entries that record it. */
public record FileWritten(String transferId, String path, String mode, long bytes, String sha256, long startedIndex, long completedIndex) {}
