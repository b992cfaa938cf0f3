package dev.duet.attestation.azure;

import dev.duet.attestation.Octets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The nonce a controller would ask an Azure guest's vTPM to quote with, binding the guest's SSH host
 * key: SHA-256(host public key blob ‖ fresh nonce). The vTPM quote's qualifying data is a TPM2B_DATA,
 * at most the size of the TPM's largest digest, so SHA-256's 32 bytes fit every TPM (the 64 bytes of
 * {@code SshHostKeyBinding}'s SHA-512 might not). The controller passes the result to
 * {@link AzureVtpmVerifier#verify} as the expected nonce; a quote from another guest, or for another
 * key, or an old one, then fails {@code vtpm.nonce}.
 */
public final class VtpmHostKeyBinding {
    private VtpmHostKeyBinding() {}

    public static Octets nonce(byte[] hostKeyBlob, byte[] freshNonce) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(hostKeyBlob);
            sha256.update(freshNonce);
            return Octets.copyOf(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
