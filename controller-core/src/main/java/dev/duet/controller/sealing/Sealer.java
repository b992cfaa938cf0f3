package dev.duet.controller.sealing;

/**
 * Authenticated encryption of secrets at rest (private keys). The context names what is sealed and
 * is bound as associated data, so a sealed blob cannot be moved to another slot. A TEE provides its
 * own implementation (an SGX sealing key, a key derived in a CVM); development uses
 * {@link FileSealer}.
 */
public interface Sealer {
    byte[] seal(byte[] plaintext, String context);

    /** @throws UnsealException if the blob was altered, belongs to another context or another key */
    byte[] unseal(byte[] sealed, String context) throws UnsealException;

    /** Said in evidence and logs, e.g. {@code file (development)}. */
    String description();
}
