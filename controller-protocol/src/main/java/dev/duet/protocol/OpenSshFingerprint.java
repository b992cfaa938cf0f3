package dev.duet.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/** OpenSSH's SHA-256 key fingerprint: {@code SHA256:} and the unpadded base64 of SHA-256(key blob). */
public final class OpenSshFingerprint {
    private OpenSshFingerprint() {}

    /** The fingerprint of an OpenSSH public key line ({@code type base64-blob [comment]}), if it is one. */
    public static Optional<String> of(String publicKeyLine) {
        String[] parts = publicKeyLine.strip().split(" ");
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            byte[] blob = Base64.getDecoder().decode(parts[1]);
            String type = readString(blob);
            if (!type.equals(parts[0])) {
                return Optional.empty();
            }
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return Optional.of("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest));
        } catch (IllegalArgumentException | NoSuchAlgorithmException e) {
            return Optional.empty();
        }
    }

    /** The first SSH string of a key blob (RFC 4253 §6.6): its key type. */
    private static String readString(byte[] blob) {
        if (blob.length < 4) {
            throw new IllegalArgumentException("blob too short");
        }
        int length = ((blob[0] & 0xff) << 24) | ((blob[1] & 0xff) << 16) | ((blob[2] & 0xff) << 8) | (blob[3] & 0xff);
        if (length < 0 || length > blob.length - 4) {
            throw new IllegalArgumentException("bad length");
        }
        return new String(blob, 4, length, StandardCharsets.US_ASCII);
    }
}
