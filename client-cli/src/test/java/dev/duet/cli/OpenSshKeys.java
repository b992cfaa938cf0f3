package dev.duet.cli;

import dev.duet.protocol.Ed25519KeyPair;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A duet owner key written in OpenSSH's own formats (PROTOCOL.key, RFC 4253 §6.6), as
 * {@code ssh-keygen} would write the same Ed25519 key: the owner's key "in another format".
 */
final class OpenSshKeys {
    private OpenSshKeys() {}

    static String publicKeyLine(Ed25519KeyPair key) {
        return "ssh-ed25519 " + Base64.getEncoder().encodeToString(publicBlob(key));
    }

    /** An unencrypted {@code openssh-key-v1} private key. */
    static String privateKey(Ed25519KeyPair key) {
        byte[] pkcs8 = key.pkcs8();
        byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
        try {
            ByteArrayOutputStream privateSection = new ByteArrayOutputStream();
            DataOutputStream section = new DataOutputStream(privateSection);
            section.writeInt(0x2a2a2a2a);
            section.writeInt(0x2a2a2a2a);
            string(section, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
            string(section, raw(key));
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.write(seed);
            both.write(raw(key));
            string(section, both.toByteArray());
            string(section, "owner".getBytes(StandardCharsets.US_ASCII));
            for (int pad = 1; privateSection.size() % 8 != 0; pad++) {
                section.write(pad);
            }
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(file);
            out.write("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
            string(out, "none".getBytes(StandardCharsets.US_ASCII));
            string(out, "none".getBytes(StandardCharsets.US_ASCII));
            string(out, new byte[0]);
            out.writeInt(1);
            string(out, publicBlob(key));
            string(out, privateSection.toByteArray());
            return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(file.toByteArray()) + "\n-----END OPENSSH PRIVATE KEY-----\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] raw(Ed25519KeyPair key) {
        byte[] spki = key.publicKey().spki();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    private static byte[] publicBlob(Ed25519KeyPair key) {
        try {
            ByteArrayOutputStream blob = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(blob);
            string(out, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
            string(out, raw(key));
            return blob.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void string(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }
}
