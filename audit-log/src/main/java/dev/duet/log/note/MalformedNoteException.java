package dev.duet.log.note;

/** Text that is not a well-formed signed note, checkpoint or verifier key. */
public final class MalformedNoteException extends Exception {
    public MalformedNoteException(String message) {
        super(message);
    }
}
