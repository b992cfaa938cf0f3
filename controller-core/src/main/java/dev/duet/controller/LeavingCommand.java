package dev.duet.controller;

import java.util.List;
import java.util.Optional;

/**
 * How one command the CVM's policy runs on leaving service ended (issue 12, item 4): its index in
 * the policy's list and argv, its exit status (none when it was killed by a signal or never ran),
 * whether it timed out, why it could not run if it could not, and its two log entries.
 */
public record LeavingCommand(int index, List<String> argv, Optional<Integer> exitStatus, boolean timedOut, Optional<String> failure,
        long startedIndex, long endedIndex) {
    public LeavingCommand {
        argv = List.copyOf(argv);
    }
}
