package dev.duet.controller;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Where an owner request's body comes from. The HTTP layer reads it; the controller decides whether
 * to read it at all (only once the headers are authenticated), how much, and by when.
 */
@FunctionalInterface
public interface BodySource {
    /**
     * Reads exactly {@code length} bytes, giving up after {@code within}.
     *
     * @throws TimeoutException if they have not all arrived in time
     * @throws IOException if the client closed the connection or the body is cut short
     */
    byte[] read(int length, Duration within) throws TimeoutException, IOException;
}
