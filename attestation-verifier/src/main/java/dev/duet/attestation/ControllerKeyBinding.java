package dev.duet.attestation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a controller puts in REPORT_DATA to bind its signing key to its own attestation:
 * SHA-512(label ‖ u32be key length ‖ key ‖ nonce), with the label
 * {@code "duet controller evidence v1\0"}, the key as its SubjectPublicKeyInfo DER (the decoded
 * {@code signing_key.public_key} of the evidence document) and the nonce as the UTF-8 bytes the
 * user asked with (empty for evidence bound to no request). The label keeps a controller report
 * from ever meaning a host key binding ({@link SshHostKeyBinding}) or anything else; the length
 * keeps key and nonce apart. The one definition, shared by the controller and the verifier.
 */
public final class ControllerKeyBinding {
    private static final byte[] LABEL = "duet controller evidence v1\0".getBytes(StandardCharsets.US_ASCII);

    private ControllerKeyBinding() {}

    public static Octets reportData(byte[] signingKey, String nonce) {
        try {
            MessageDigest sha512 = MessageDigest.getInstance("SHA-512");
            sha512.update(LABEL);
            sha512.update(ByteBuffer.allocate(4).putInt(signingKey.length).array());
            sha512.update(signingKey);
            sha512.update(nonce.getBytes(StandardCharsets.UTF_8));
            return Octets.copyOf(sha512.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
