package dev.duet.log.store;

/** The store holds something this code never writes: the file was changed behind our back. */
public final class CorruptStoreException extends RuntimeException {
    public CorruptStoreException(String message) {
        super(message);
    }
}
