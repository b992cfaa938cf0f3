package dev.duet.protocol;

/**
 * Bytes that are not one strict JSON document as the controller writes them (see {@link StrictJson}).
 * The message says what is wrong in words, never in the parser's class or option names.
 */
public final class MalformedJsonException extends Exception {
    public MalformedJsonException(String message) {
        super(message);
    }
}
