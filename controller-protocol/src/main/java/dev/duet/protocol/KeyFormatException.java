package dev.duet.protocol;

/** Bytes or text that are not a key of the expected kind and encoding. */
public final class KeyFormatException extends Exception {
    public KeyFormatException(String message) {
        super(message);
    }
}
