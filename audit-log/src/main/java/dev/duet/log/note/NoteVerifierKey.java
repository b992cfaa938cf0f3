package dev.duet.log.note;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 signed-note verifier key (C2SP signed-note): a key name, the 4-byte key ID
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], and the raw public key. Its text form is
 * {@code name+<8 hex key ID>+base64(0x01 ‖ key)}.
 *
 * <p>Only a canonically encoded point of the prime-order subgroup is a key: a small-order point
 * (the identity above all) verifies signatures that take no private key to make. Signatures are
 * checked with Bouncy Castle's RFC 8032 code, as {@code Ed25519PublicKey} checks the owners' and the
 * controller's, so duet verifies every Ed25519 signature of its own with one implementation, which
 * refuses a non-canonical S.
 */
public final class NoteVerifierKey {
    static final byte ED25519 = 0x01;
    /** As in {@code Ed25519PublicKey}, which this module cannot use: controller-protocol depends on it. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final Pattern NAME = Pattern.compile("[^\\s+]+");

    private final String name;
    private final int keyId;
    private final byte[] publicKey;
    /** The key's point, decoded and checked once. */
    private final Ed25519.PublicPoint point;

    private NoteVerifierKey(String name, int keyId, byte[] publicKey, Ed25519.PublicPoint point) {
        this.name = name;
        this.keyId = keyId;
        this.publicKey = publicKey;
        this.point = point;
    }

    /**
     * The verifier key for a raw 32-byte Ed25519 public key under {@code name}; refused unless it
     * is a canonically encoded point of the prime-order subgroup.
     */
    public static NoteVerifierKey of(String name, byte[] rawPublicKey) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a key name is non-empty and has no spaces or '+'");
        }
        if (rawPublicKey.length != Ed25519.PUBLIC_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        byte[] key = rawPublicKey.clone();
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(key, 0);
        if (point == null) {
            throw new IllegalArgumentException("not an Ed25519 public key of the prime-order group (a small-order or non-canonical "
                    + "point verifies signatures made without a private key)");
        }
        return new NoteVerifierKey(name, keyId(name, key), key, point);
    }

    /** The verifier key for an Ed25519 key given as X.509 SubjectPublicKeyInfo. */
    public static NoteVerifierKey fromSpki(String name, byte[] spki) {
        if (spki.length != SPKI_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 SubjectPublicKeyInfo");
        }
        return of(name, Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length));
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
        NoteVerifierKey key;
        try {
            key = of(parts[0], Arrays.copyOfRange(typeAndKey, 1, 33));
        } catch (IllegalArgumentException e) {
            throw new MalformedNoteException("verifier key: " + e.getMessage());
        }
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
        try {
            return signature.length == Ed25519.SIGNATURE_SIZE && Ed25519.verify(signature, 0, point, message, 0, message.length);
        } catch (RuntimeException e) {
            return false;
        }
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
