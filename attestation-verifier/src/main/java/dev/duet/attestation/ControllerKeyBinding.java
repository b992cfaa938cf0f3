package dev.duet.attestation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What a controller puts in REPORT_DATA to bind its keys to its own attestation. Version 1 binds
 * the signing key: SHA-512({@code "duet controller evidence v1\0"} ‖ u32be length ‖ signing key ‖
 * nonce). Version 2 also binds the TLS key the controller serves HTTPS with (attested transport,
 * RA-TLS style): SHA-512({@code "duet controller evidence v2\0"} ‖ u32be length ‖ signing key ‖
 * u32be length ‖ TLS key ‖ nonce). Keys are SubjectPublicKeyInfo DER (as the evidence document
 * names them, base64), the nonce the UTF-8 bytes the user asked with (empty for evidence bound to
 * no request). The label keeps a controller report from ever meaning a host key binding
 * ({@link SshHostKeyBinding}), and a v2 report from being read as v1; the lengths keep the fields
 * apart. The one definition, shared by the controller and the verifier.
 */
public final class ControllerKeyBinding {
    private static final byte[] LABEL_V1 = "duet controller evidence v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LABEL_V2 = "duet controller evidence v2\0".getBytes(StandardCharsets.US_ASCII);

    private ControllerKeyBinding() {}

    /** Version 1: the signing key and the nonce (evidence that names no TLS key). */
    public static Octets reportData(byte[] signingKey, String nonce) {
        MessageDigest sha512 = sha512();
        sha512.update(LABEL_V1);
        lengthPrefixed(sha512, signingKey);
        sha512.update(nonce.getBytes(StandardCharsets.UTF_8));
        return Octets.copyOf(sha512.digest());
    }

    /** Version 2: the signing key, the TLS key and the nonce. */
    public static Octets reportData(byte[] signingKey, byte[] tlsKey, String nonce) {
        MessageDigest sha512 = sha512();
        sha512.update(LABEL_V2);
        lengthPrefixed(sha512, signingKey);
        lengthPrefixed(sha512, tlsKey);
        sha512.update(nonce.getBytes(StandardCharsets.UTF_8));
        return Octets.copyOf(sha512.digest());
    }

    private static void lengthPrefixed(MessageDigest digest, byte[] field) {
        digest.update(ByteBuffer.allocate(4).putInt(field.length).array());
        digest.update(field);
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
