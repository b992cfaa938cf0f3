package dev.duet.controller.sealing;

/** A sealed blob did not open: altered, moved, or sealed under another key. */
public final class UnsealException extends Exception {
    public UnsealException(String message) {
        super(message);
    }
}
