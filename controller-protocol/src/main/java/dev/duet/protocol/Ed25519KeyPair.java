package dev.duet.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/**
 * An Ed25519 signing key with its public half. The JDK cannot derive one from the other, so both
 * are stored, and loading checks that they belong together. Never printed: toString names the key id.
 */
public final class Ed25519KeyPair {
    private static final byte[] PAIR_CHECK = "duet key pair check".getBytes(StandardCharsets.US_ASCII);

    private final PrivateKey privateKey;
    /**
     * The same key for signing with Bouncy Castle, which signs about ten times faster than the JDK
     * 17 provider (a checkpoint is signed per commit, so a lone writer waited for it on every append).
     * Ed25519 signatures are deterministic (RFC 8032 §5.1.6): both give the same bytes.
     */
    private final Ed25519PrivateKeyParameters signingKey;
    private final Ed25519PublicKey publicKey;

    private Ed25519KeyPair(PrivateKey privateKey, Ed25519PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        try {
            this.signingKey = (Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(privateKey.getEncoded());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("an Ed25519 key the JDK accepted is not readable as Ed25519", e);
        }
    }

    public static Ed25519KeyPair generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new Ed25519KeyPair(pair.getPrivate(), Ed25519PublicKey.of(pair.getPublic()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every Java 17 platform", e);
        }
    }

    /** Reads a PKCS#8 private key and its SPKI public key, and refuses them if they do not match. */
    public static Ed25519KeyPair fromEncoded(byte[] pkcs8, byte[] spki) throws KeyFormatException {
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyFormatException("not a valid Ed25519 private key");
        }
        Ed25519KeyPair pair;
        try {
            pair = new Ed25519KeyPair(key, Ed25519PublicKey.fromSpki(spki));
        } catch (IllegalStateException e) {
            throw new KeyFormatException("not a valid Ed25519 private key");
        }
        try {
            pair.publicKey.verify(PAIR_CHECK, pair.sign(PAIR_CHECK));
        } catch (InvalidSignatureException | IllegalStateException e) {
            throw new KeyFormatException("private and public key do not belong together");
        }
        return pair;
    }

    /** Reads the two-block PEM written by {@link #toPem()}: PRIVATE KEY then PUBLIC KEY. */
    public static Ed25519KeyPair parsePem(String pem) throws KeyFormatException {
        int split = pem.indexOf("-----BEGIN PUBLIC KEY-----");
        if (split < 0) {
            throw new KeyFormatException("key file must hold a PRIVATE KEY and a PUBLIC KEY block");
        }
        return fromEncoded(Pem.decode("PRIVATE KEY", pem.substring(0, split)), Pem.decode("PUBLIC KEY", pem.substring(split)));
    }

    public byte[] sign(byte[] data) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, signingKey);
        signer.update(data, 0, data.length);
        return signer.generateSignature();
    }

    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    public byte[] pkcs8() {
        return privateKey.getEncoded();
    }

    public String toPem() {
        return Pem.encode("PRIVATE KEY", pkcs8()) + publicKey.toPem();
    }

    @Override
    public String toString() {
        return "Ed25519KeyPair[" + publicKey.keyId() + "]";
    }
}
