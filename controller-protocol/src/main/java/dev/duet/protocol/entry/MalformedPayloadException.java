package dev.duet.protocol.entry;

/** An entry whose kind is unknown, or whose payload is not the one its kind has: not what the controller writes. */
public final class MalformedPayloadException extends Exception {
    public MalformedPayloadException(String message) {
        super(message);
    }
}
