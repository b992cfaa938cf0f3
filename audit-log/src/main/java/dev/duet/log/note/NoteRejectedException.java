package dev.duet.log.note;

/** A well-formed note that the trusted key did not sign. */
public final class NoteRejectedException extends Exception {
    public NoteRejectedException(String message) {
        super(message);
    }
}
