package dev.duet.protocol;

/** Signature headers that do not follow duet's RFC 9421 profile. */
public final class MalformedSignatureException extends Exception {
    public MalformedSignatureException(String message) {
        super(message);
    }
}
