package dev.duet.protocol;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key (RFC 8032), held as its X.509 SubjectPublicKeyInfo encoding. Its key id is
 * the lowercase hex SHA-256 of that encoding.
 *
 * <p>Only a point of the prime-order subgroup, canonically encoded, is a key: a small-order point
 * (the identity above all) verifies a signature that takes no private key to make (R the identity,
 * S zero, for every message), and the JDK's verifier does not refuse it. Whoever could register such
 * a key as an owner's could then act as that owner without any secret.
 *
 * <p>Signatures are verified with Bouncy Castle's RFC 8032 code, which refuses a non-canonical S
 * (so a signature cannot be altered into another valid one) as the JDK's does, at about a seventh of
 * its cost: every owner request is verified on the controller's request path (docs/performance.md).
 */
public final class Ed25519PublicKey {
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final byte[] spki;
    /** The key's point, decoded and checked once: every verification would otherwise decode it again. */
    private final Ed25519.PublicPoint point;

    private Ed25519PublicKey(byte[] spki, Ed25519.PublicPoint point) {
        this.spki = spki;
        this.point = point;
    }

    public static Ed25519PublicKey fromSpki(byte[] spki) throws KeyFormatException {
        if (spki.length != SPKI_PREFIX.length + 32 || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new KeyFormatException("not an Ed25519 SubjectPublicKeyInfo");
        }
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(spki, SPKI_PREFIX.length);
        if (point == null) {
            throw new KeyFormatException("not an Ed25519 public key of the prime-order group (a small-order or non-canonical point "
                    + "verifies signatures made without a private key)");
        }
        return new Ed25519PublicKey(spki.clone(), point);
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
            ok = signature.length == Ed25519.SIGNATURE_SIZE && Ed25519.verify(signature, 0, point, data, 0, data.length);
        } catch (RuntimeException e) {
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
