package dev.duet.attestation.azure;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;

/**
 * A cursor over TPM 2.0 structures, which are big-endian (TPM 2.0 Part 1, "Marshaling"). Every
 * read past the end is a {@link MalformedEvidenceException} naming the field, so the TPM parsers
 * stay total.
 */
final class BigEndian {
    private final byte[] bytes;
    private final String what;
    private int at;

    BigEndian(byte[] bytes, String what) {
        this.bytes = bytes;
        this.what = what;
    }

    private void need(int size, String field) throws MalformedEvidenceException {
        if (size < 0 || at > bytes.length - size) {
            throw new MalformedEvidenceException(what + " is truncated: " + field + " needs bytes " + at + ".."
                    + ((long) at + size - 1) + " but only " + bytes.length + " bytes are present");
        }
    }

    int u8(String field) throws MalformedEvidenceException {
        need(1, field);
        return bytes[at++] & 0xff;
    }

    int u16(String field) throws MalformedEvidenceException {
        return (int) unsigned(2, field);
    }

    long u32(String field) throws MalformedEvidenceException {
        return unsigned(4, field);
    }

    long u64(String field) throws MalformedEvidenceException {
        return unsigned(8, field);
    }

    /** The next {@code size} bytes as one big-endian number (a u64 beyond 2^63 comes back negative, as Java's long holds it). */
    private long unsigned(int size, String field) throws MalformedEvidenceException {
        need(size, field);
        long value = 0;
        for (int i = 0; i < size; i++) {
            value = value << 8 | (bytes[at + i] & 0xffL);
        }
        at += size;
        return value;
    }

    Octets octets(int size, String field) throws MalformedEvidenceException {
        need(size, field);
        Octets value = Octets.copyOfRange(bytes, at, at + size);
        at += size;
        return value;
    }

    /** A TPM2B: a u16 size and that many bytes, at most {@code max} (the union the TPM2B is sized by). */
    Octets sized(int max, String field) throws MalformedEvidenceException {
        int size = u16(field + " size");
        if (size > max) {
            throw new MalformedEvidenceException(what + ": " + field + " has " + size + " bytes; at most " + max
                    + " are allowed");
        }
        return octets(size, field);
    }

    /** Nothing may follow the structure: trailing bytes are covered by no signature. */
    void end() throws MalformedEvidenceException {
        if (at != bytes.length) {
            int extra = bytes.length - at;
            throw new MalformedEvidenceException(what + " has " + extra + (extra == 1 ? " byte" : " bytes")
                    + " after its end at byte " + at);
        }
    }
}
