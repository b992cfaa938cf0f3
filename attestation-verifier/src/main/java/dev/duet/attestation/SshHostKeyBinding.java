package dev.duet.attestation;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a guest puts in REPORT_DATA to bind its SSH host key to its attestation:
 * SHA-512(host public key blob ‖ nonce). The blob is the key's SSH wire encoding (the base64 part
 * of an OpenSSH public key line, decoded); the nonce makes each report fresh. The one definition,
 * shared by the controller that asks for the report and by the offline state verifier.
 */
public final class SshHostKeyBinding {
    private SshHostKeyBinding() {}

    public static byte[] reportData(byte[] hostKeyBlob, byte[] nonce) {
        try {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update(hostKeyBlob);
            sha512.update(nonce);
            return sha512.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
