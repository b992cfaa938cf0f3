package dev.duet.provisioner.attest;

import dev.duet.provisioner.ssh.SshKeys;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;

/**
 * What a guest puts in REPORT_DATA to bind its SSH host key to its attestation:
 * SHA-512(host public key blob ‖ controller nonce). The nonce makes each report fresh; the blob is
 * the SSH wire encoding, the same bytes the key exchange signs with.
 */
public final class HostKeyBinding {
    private HostKeyBinding() {}

    public static byte[] reportData(PublicKey hostKey, byte[] nonce) {
        try {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update(SshKeys.publicKeyBlob(hostKey));
            sha512.update(nonce);
            return sha512.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
