package dev.duet.attestation;

/**
 * The bytes are not evidence of the expected format. The only exception a parser in this module
 * lets escape, whatever the input.
 */
public final class MalformedEvidenceException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedEvidenceException(String message) {
        super(message);
    }

    public MalformedEvidenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
