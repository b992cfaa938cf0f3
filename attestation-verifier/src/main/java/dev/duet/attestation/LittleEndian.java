package dev.duet.attestation;

/**
 * Bounds-checked little-endian reads over evidence bytes. Every read past the end becomes a
 * {@link MalformedEvidenceException} naming the field, so parsers stay total.
 */
public final class LittleEndian {
    private final byte[] bytes;
    private final String what;

    public LittleEndian(byte[] bytes, String what) {
        this.bytes = bytes;
        this.what = what;
    }

    private void need(int offset, int size, String field) throws MalformedEvidenceException {
        if (offset < 0 || size < 0 || offset > bytes.length - size) {
            throw new MalformedEvidenceException(what + " is truncated: " + field + " needs bytes " + offset + ".."
                    + ((long) offset + size - 1) + " but only " + bytes.length + " bytes are present");
        }
    }

    public int u8(int offset, String field) throws MalformedEvidenceException {
        need(offset, 1, field);
        return bytes[offset] & 0xff;
    }

    public int u16(int offset, String field) throws MalformedEvidenceException {
        need(offset, 2, field);
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8;
    }

    public long u32(int offset, String field) throws MalformedEvidenceException {
        need(offset, 4, field);
        return (bytes[offset] & 0xffL) | (bytes[offset + 1] & 0xffL) << 8 | (bytes[offset + 2] & 0xffL) << 16
                | (bytes[offset + 3] & 0xffL) << 24;
    }

    public long u64(int offset, String field) throws MalformedEvidenceException {
        need(offset, 8, field);
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = value << 8 | (bytes[offset + i] & 0xffL);
        }
        return value;
    }

    public Octets octets(int offset, int size, String field) throws MalformedEvidenceException {
        need(offset, size, field);
        return Octets.copyOfRange(bytes, offset, offset + size);
    }

    public byte[] slice(int offset, int size, String field) throws MalformedEvidenceException {
        need(offset, size, field);
        return java.util.Arrays.copyOfRange(bytes, offset, offset + size);
    }
}
