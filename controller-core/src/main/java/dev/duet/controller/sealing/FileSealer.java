package dev.duet.controller.sealing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Development sealing: AES-256-GCM under a random key kept in a file readable by its owner only
 * (0600). Whoever can read that file can unseal; a TEE deployment replaces this class. Blob layout:
 * version byte 1, 12-byte nonce, ciphertext with 16-byte tag; the context is the associated data.
 */
public final class FileSealer implements Sealer {
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private FileSealer(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** Opens the key file, creating it (0600, 32 random bytes) if absent; refuses a file others can read. */
    public static FileSealer openOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            RANDOM.nextBytes(fresh);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.write(file, fresh);
            } catch (FileAlreadyExistsException raced) {
                // Another opener created it first; read theirs below.
            }
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw new IOException("sealing key " + file + " is accessible to others ("
                    + PosixFilePermissions.toString(permissions) + "); it must be 0600");
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length != 32) {
            throw new IOException("sealing key " + file + " must hold 32 bytes, not " + key.length);
        }
        return new FileSealer(key);
    }

    @Override
    public byte[] seal(byte[] plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ciphertext = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + ciphertext.length).put(VERSION).put(nonce).put(ciphertext).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java platform", e);
        }
    }

    @Override
    public byte[] unseal(byte[] sealed, String context) throws UnsealException {
        if (sealed.length < 1 + NONCE_BYTES + 16 || sealed[0] != VERSION) {
            throw new UnsealException("not a sealed blob of version " + VERSION);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new UnsealException("sealed blob does not open under this key and context");
        }
    }

    @Override
    public String description() {
        return "file (development: AES-256-GCM key in a 0600 file)";
    }
}
