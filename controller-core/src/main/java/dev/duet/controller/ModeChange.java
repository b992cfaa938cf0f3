package dev.duet.controller;

import java.util.List;
import java.util.OptionalLong;

/**
 * The outcome of a mode request: the CVM now, the log index of the change if there was one, and
 * how each command the CVM's policy runs on leaving service ended (a switch to in-update only).
 */
public record ModeChange(CvmView cvm, boolean changed, OptionalLong logIndex, List<LeavingCommand> leaving) {
    public ModeChange {
        leaving = List.copyOf(leaving);
    }
}
