package dev.duet.provisioner.ssh;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Collection;
import java.util.List;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * SSH key material: the controller's ephemeral Ed25519 keys and owner-supplied bootstrap keys.
 * Ed25519 keys come from Bouncy Castle because MINA SSHD's Ed25519 support encodes BC's key classes.
 */
public final class SshKeys {
    private static final Provider BC = new BouncyCastleProvider();

    private SshKeys() {}

    /** A fresh Ed25519 key pair for one CVM. */
    public static KeyPair generateEd25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every Java 17 platform", e);
        }
    }

    /** Rebuilds a key pair from the PKCS#8 and X.509 encodings it was stored as. */
    public static KeyPair ed25519FromEncoded(byte[] pkcs8, byte[] spki) throws SshKeyFormatException {
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519", BC);
            return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(spki)), factory.generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SshKeyFormatException("stored key is not an Ed25519 key pair");
        }
    }

    /** The {@code authorized_keys} line for a public key, with a comment. */
    public static String authorizedKeyLine(PublicKey key, String comment) {
        return PublicKeyEntry.toString(key) + " " + comment;
    }

    /** The OpenSSH form of a public key, without a comment (e.g. {@code ssh-ed25519 AAAA…}). */
    public static String openSshPublicKey(PublicKey key) {
        return PublicKeyEntry.toString(key);
    }

    /** The key in the unencrypted OpenSSH private key format, as {@code ssh -i} reads it. */
    public static String openSshPrivateKey(KeyPair pair, String comment) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter.INSTANCE
                    .writePrivateKey(pair, comment, null, out);
            return out.toString(java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("an Ed25519 key pair always has an OpenSSH form", e);
        }
    }

    /**
     * The key in dropbear's own private key format, which a guest's dropbear reads as it is (it reads
     * no OpenSSH private keys, and converting one inside the guest cost a program start under TCG):
     * the string "ssh-ed25519", then a string of the 32-byte seed followed by the 32-byte public key.
     */
    public static byte[] dropbearPrivateKey(KeyPair pair) {
        Ed25519PrivateKeyParameters privateKey;
        byte[] publicKey;
        try {
            privateKey = (Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(pair.getPrivate().getEncoded());
            publicKey = ((Ed25519PublicKeyParameters) PublicKeyFactory.createKey(pair.getPublic().getEncoded())).getEncoded();
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not an Ed25519 key pair", e);
        }
        if (!java.util.Arrays.equals(privateKey.generatePublicKey().getEncoded(), publicKey)) {
            throw new IllegalArgumentException("the public key is not the private key's");
        }
        byte[] type = "ssh-ed25519".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return java.nio.ByteBuffer.allocate(4 + type.length + 4 + 64).putInt(type.length).put(type)
                .putInt(64).put(privateKey.getEncoded()).put(publicKey).array();
    }

    /** The SSH wire encoding of a public key (the base64 part of an OpenSSH line, decoded). */
    public static byte[] publicKeyBlob(PublicKey key) {
        return java.util.Base64.getDecoder().decode(openSshPublicKey(key).split(" ")[1]);
    }

    /** The OpenSSH SHA-256 fingerprint ({@code SHA256:…}). */
    public static String fingerprint(PublicKey key) {
        return KeyUtils.getFingerPrint(BuiltinDigests.sha256, key);
    }

    public static PublicKey parsePublicKey(String openSshLine) throws SshKeyFormatException {
        try {
            PublicKey key = PublicKeyEntry.parsePublicKeyEntry(openSshLine.strip()).resolvePublicKey(null, null, null);
            if (key == null) {
                throw new SshKeyFormatException("unsupported public key type");
            }
            return key;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new SshKeyFormatException("not an OpenSSH public key line");
        }
    }

    /** Reads an unencrypted private key in OpenSSH or PEM form, as supplied for bootstrap. */
    public static KeyPair parsePrivateKey(String text) throws SshKeyFormatException {
        Collection<KeyPair> pairs;
        try {
            pairs = SecurityUtils.getKeyPairResourceParser()
                    .loadKeyPairs(null, NamedResource.ofName("bootstrap key"), FilePasswordProvider.EMPTY, List.of(text.split("\r?\n")));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new SshKeyFormatException("not an unencrypted OpenSSH or PEM private key");
        }
        if (pairs == null || pairs.size() != 1) {
            throw new SshKeyFormatException("expected exactly one private key");
        }
        return pairs.iterator().next();
    }
}
