package dev.duet.protocol;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An Ed25519 public key (RFC 8032), held as its X.509 SubjectPublicKeyInfo encoding. Its key id is
 * the lowercase hex SHA-256 of that encoding.
 *
 * <p>Only a point of the prime-order subgroup, canonically encoded, is a key: a small-order point
 * (the identity above all) verifies a signature that takes no private key to make (R the identity,
 * S zero, for every message), and the JDK's verifier does not refuse it. Whoever could register such
 * a key as an owner's could then act as that owner without any secret.
 */
public final class Ed25519PublicKey {
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final byte[] spki;
    private final PublicKey key;

    private Ed25519PublicKey(byte[] spki, PublicKey key) {
        this.spki = spki;
        this.key = key;
    }

    public static Ed25519PublicKey fromSpki(byte[] spki) throws KeyFormatException {
        if (spki.length != SPKI_PREFIX.length + 32 || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new KeyFormatException("not an Ed25519 SubjectPublicKeyInfo");
        }
        if (!org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFull(spki, SPKI_PREFIX.length)) {
            throw new KeyFormatException("not an Ed25519 public key of the prime-order group (a small-order or non-canonical point "
                    + "verifies signatures made without a private key)");
        }
        try {
            return new Ed25519PublicKey(spki.clone(), KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyFormatException("not a valid Ed25519 public key");
        }
    }

    public static Ed25519PublicKey parsePem(String pem) throws KeyFormatException {
        return fromSpki(Pem.decode("PUBLIC KEY", pem));
    }

    /** Parses the base64 SPKI form used in JSON documents. */
    public static Ed25519PublicKey parseBase64(String base64) throws KeyFormatException {
        try {
            return fromSpki(java.util.Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException("public key is not base64");
        }
    }

    static Ed25519PublicKey of(PublicKey key) {
        try {
            return fromSpki(key.getEncoded());
        } catch (KeyFormatException e) {
            throw new IllegalArgumentException("not an Ed25519 key", e);
        }
    }

    public void verify(byte[] data, byte[] signature) throws InvalidSignatureException {
        boolean ok;
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(data);
            ok = signature.length == 64 && verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            ok = false;
        }
        if (!ok) {
            throw new InvalidSignatureException();
        }
    }

    public String keyId() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] spki() {
        return spki.clone();
    }

    public String base64() {
        return java.util.Base64.getEncoder().encodeToString(spki);
    }

    public String toPem() {
        return Pem.encode("PUBLIC KEY", spki);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ed25519PublicKey other && Arrays.equals(spki, other.spki);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(spki);
    }

    @Override
    public String toString() {
        return "Ed25519PublicKey[" + keyId() + "]";
    }
}
