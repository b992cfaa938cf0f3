package dev.duet.attestation;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/** An immutable run of bytes from evidence, compared by content and printed as lower-case hex. */
public final class Octets {
    private static final HexFormat HEX = HexFormat.of();
    private final byte[] bytes;

    private Octets(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Octets copyOf(byte[] bytes) {
        return new Octets(bytes.clone());
    }

    public static Octets copyOfRange(byte[] bytes, int from, int to) {
        return new Octets(Arrays.copyOfRange(bytes, from, to));
    }

    /** Parses hex in either case; a malformed string is the caller's programming or input error. */
    public static Octets fromHex(String hex) {
        return new Octets(HEX.parseHex(hex));
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    public int byteAt(int index) {
        return bytes[index] & 0xff;
    }

    public boolean isZero() {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** Constant-time comparison, for values an attacker may probe. */
    public boolean contentEquals(byte[] other) {
        return MessageDigest.isEqual(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Octets other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
