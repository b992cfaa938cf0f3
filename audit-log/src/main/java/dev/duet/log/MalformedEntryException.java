package dev.duet.log;

/** The bytes are not a well-formed, canonically encoded log entry. */
public final class MalformedEntryException extends Exception {
    public MalformedEntryException(String message) {
        super(message);
    }
}
