package dev.duet.controller;

import java.util.OptionalLong;

/** The outcome of a mode request: the CVM now, and the log index of the change if there was one. */
public record ModeChange(CvmView cvm, boolean changed, OptionalLong logIndex) {}
