package dev.duet.protocol;

/** A signature did not verify. Deliberately uniform: it never says which byte was wrong. */
public final class InvalidSignatureException extends Exception {
    public InvalidSignatureException() {
        super("invalid signature");
    }
}
