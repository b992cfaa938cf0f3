package dev.duet.controller;

import java.util.OptionalInt;

/** A completed command: how it ended, its output, and the log entries that record it. */
public record CommandResult(
        String commandId,
        OptionalInt exitStatus,
        String exitSignal,
        boolean timedOut,
        String stdoutBase64,
        String stdoutSha256,
        long stdoutBytes,
        boolean stdoutTruncated,
        String stderrBase64,
        String stderrSha256,
        long stderrBytes,
        boolean stderrTruncated,
        long startedIndex,
        long completedIndex) {}
