package dev.duet.log;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** An immutable SHA-256 value with value equality; the only hash type the log uses. */
public final class Sha256Hash {
    public static final int LENGTH = 32;
    /** The predecessor of the first entry of a chain. */
    public static final Sha256Hash ZERO = new Sha256Hash(new byte[LENGTH]);

    private final byte[] value;

    private Sha256Hash(byte[] value) {
        this.value = value;
    }

    /** One digest per thread: looking the algorithm up costs more than hashing a log entry. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });

    public static Sha256Hash of(byte[] data) {
        return new Sha256Hash(SHA256.get().digest(data));
    }

    /** This thread's SHA-256 digest, reset; for hashing data given in parts. */
    public static MessageDigest digest() {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return digest;
    }

    /** Finishes {@code digest} (a SHA-256 one) into {@code out[at, at + 32)}, without allocating; the digest is reset. */
    public static void digestInto(MessageDigest digest, byte[] out, int at) {
        try {
            digest.digest(out, at, LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException("32 bytes hold a SHA-256 value", e);
        }
    }

    public static Sha256Hash wrap(byte[] digest) {
        if (digest.length != LENGTH) {
            throw new IllegalArgumentException("a SHA-256 value has 32 bytes, not " + digest.length);
        }
        return new Sha256Hash(digest.clone());
    }

    /** Parses 64 lowercase hex digits; anything else is refused. */
    public static Sha256Hash parseHex(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("not a SHA-256 value (64 lowercase hex digits)");
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                throw new IllegalArgumentException("not a SHA-256 value (64 lowercase hex digits)");
            }
        }
        return new Sha256Hash(HexFormat.of().parseHex(hex));
    }

    public byte[] toByteArray() {
        return value.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sha256Hash other && MessageDigest.isEqual(value, other.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return hex();
    }
}
