package dev.duet.log.note;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * An Ed25519 signed-note verifier key (C2SP signed-note): a key name, the 4-byte key ID
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], and the raw public key. Its text form is
 * {@code name+<8 hex key ID>+base64(0x01 ‖ key)}.
 */
public final class NoteVerifierKey {
    static final byte ED25519 = 0x01;
    private static final Pattern NAME = Pattern.compile("[^\\s+]+");

    private final String name;
    private final int keyId;
    private final byte[] publicKey;

    private NoteVerifierKey(String name, int keyId, byte[] publicKey) {
        this.name = name;
        this.keyId = keyId;
        this.publicKey = publicKey;
    }

    /** The verifier key for a raw 32-byte Ed25519 public key under {@code name}. */
    public static NoteVerifierKey of(String name, byte[] rawPublicKey) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a key name is non-empty and has no spaces or '+'");
        }
        if (rawPublicKey.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        return new NoteVerifierKey(name, keyId(name, rawPublicKey), rawPublicKey.clone());
    }

    /** The verifier key for an Ed25519 key given as X.509 SubjectPublicKeyInfo. */
    public static NoteVerifierKey fromSpki(String name, byte[] spki) {
        return of(name, Ed25519Raw.rawFromSpki(spki));
    }

    public static NoteVerifierKey parse(String text) throws MalformedNoteException {
        String[] parts = text.split("\\+", 3);
        if (parts.length != 3 || !NAME.matcher(parts[0]).matches() || !parts[1].matches("[0-9a-f]{8}")) {
            throw new MalformedNoteException("verifier key must be name+<8 hex digits>+<base64>");
        }
        byte[] typeAndKey;
        try {
            typeAndKey = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new MalformedNoteException("verifier key material is not base64");
        }
        if (typeAndKey.length != 33 || typeAndKey[0] != ED25519 || !Base64.getEncoder().encodeToString(typeAndKey).equals(parts[2])) {
            throw new MalformedNoteException("verifier key material is not a canonical 0x01 Ed25519 key");
        }
        NoteVerifierKey key = of(parts[0], Arrays.copyOfRange(typeAndKey, 1, 33));
        if (key.keyId != Integer.parseUnsignedInt(parts[1], 16)) {
            throw new MalformedNoteException("verifier key ID does not match its name and key");
        }
        return key;
    }

    static int keyId(String name, byte[] rawPublicKey) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(name.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0x0A);
            digest.update(ED25519);
            digest.update(rawPublicKey);
            byte[] hash = digest.digest();
            return ((hash[0] & 0xff) << 24) | ((hash[1] & 0xff) << 16) | ((hash[2] & 0xff) << 8) | (hash[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public int keyId() {
        return keyId;
    }

    boolean verify(byte[] message, byte[] signature) {
        return Ed25519Raw.verify(publicKey, message, signature);
    }

    @Override
    public String toString() {
        byte[] typeAndKey = new byte[33];
        typeAndKey[0] = ED25519;
        System.arraycopy(publicKey, 0, typeAndKey, 1, 32);
        return name + "+" + HexFormat.of().toHexDigits(keyId) + "+" + Base64.getEncoder().encodeToString(typeAndKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoteVerifierKey other && name.equals(other.name) && Arrays.equals(publicKey, other.publicKey);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(publicKey);
    }
}
