package dev.duet.attestation.snp;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The SEV certificate table that comes with an extended SNP report (the auxblob of configfs-tsm;
 * SEV-SNP firmware ABI, "SNP_GET_EXT_REPORT", and the GHCB specification's certificate table):
 * 24-byte entries (GUID, u32 offset, u32 length), ended by an all-zero entry, followed by the
 * certificates (DER) the entries point at.
 */
public record SevCertificateTable(List<Entry> entries) {
    /** GUIDs of the certificates an SNP guest may be given, in wire byte order. */
    public static final Octets ARK = guid("c0b406a4-a803-4952-9743-3fb6014cd0ae");
    public static final Octets ASK = guid("4ab7b379-bbac-4fe4-a02f-05aef327c782");
    public static final Octets VCEK = guid("63da758d-e664-4564-adc5-f4b93be8accd");
    public static final Octets VLEK = guid("a8074bc2-a25a-483e-aae6-39c045a0b8a1");
    private static final int ENTRY = 24;
    private static final int MAX_ENTRIES = 64;

    public record Entry(Octets guid, Octets certificate) {}

    public SevCertificateTable {
        entries = List.copyOf(entries);
    }

    /**
     * Reads the table so that it has one reading: each GUID at most once, every certificate after the
     * entry headers and the terminator (which is all zero: GUID, offset and length), inside the
     * table, and apart from every other certificate.
     */
    public static SevCertificateTable parse(Octets table) throws MalformedEvidenceException {
        byte[] bytes = table.toByteArray();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<long[]> spans = new ArrayList<>();
        List<Octets> guids = new ArrayList<>();
        for (int at = 0;; at += ENTRY) {
            if (at + ENTRY > bytes.length) {
                throw new MalformedEvidenceException("the certificate table ends without its all-zero terminating entry");
            }
            Octets guid = Octets.copyOfRange(bytes, at, at + 16);
            long offset = Integer.toUnsignedLong(in.getInt(at + 16));
            long length = Integer.toUnsignedLong(in.getInt(at + 20));
            if (guid.isZero()) {
                if (offset != 0 || length != 0) {
                    throw new MalformedEvidenceException("the certificate table's terminating entry has offset " + offset + " and length "
                            + length + ", not zero");
                }
                break;
            }
            if (guids.size() == MAX_ENTRIES) {
                throw new MalformedEvidenceException("the certificate table has more than " + MAX_ENTRIES + " entries");
            }
            if (guids.contains(guid)) {
                throw new MalformedEvidenceException("certificate table entry " + guids.size() + " names GUID " + guid.hex() + " twice");
            }
            if (offset + length > bytes.length) {
                throw new MalformedEvidenceException("certificate table entry " + guids.size() + " points past the table's "
                        + bytes.length + " bytes (offset " + offset + ", length " + length + ")");
            }
            guids.add(guid);
            spans.add(new long[] {offset, length});
        }
        long headers = (long) (guids.size() + 1) * ENTRY;
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < guids.size(); i++) {
            long offset = spans.get(i)[0];
            long length = spans.get(i)[1];
            if (offset < headers) {
                throw new MalformedEvidenceException("certificate table entry " + i + " starts at " + offset + ", inside the entry headers ("
                        + headers + " bytes)");
            }
            for (int j = 0; j < i; j++) {
                long otherOffset = spans.get(j)[0];
                long otherLength = spans.get(j)[1];
                if (offset < otherOffset + otherLength && otherOffset < offset + length) {
                    throw new MalformedEvidenceException("certificate table entries " + j + " and " + i + " overlap");
                }
            }
            entries.add(new Entry(guids.get(i), Octets.copyOfRange(bytes, (int) offset, (int) (offset + length))));
        }
        return new SevCertificateTable(entries);
    }

    /** The table's wire form: entries, the zero entry, then each certificate in entry order. */
    public Octets encode() {
        int offset = (entries.size() + 1) * ENTRY;
        ByteBuffer head = ByteBuffer.allocate(offset).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Entry entry : entries) {
            head.put(entry.guid().toByteArray()).putInt(offset).putInt(entry.certificate().length());
            body.writeBytes(entry.certificate().toByteArray());
            offset += entry.certificate().length();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.array());
        out.writeBytes(body.toByteArray());
        return Octets.copyOf(out.toByteArray());
    }

    public Optional<Octets> find(Octets guid) {
        return entries.stream().filter(e -> e.guid().equals(guid)).map(Entry::certificate).findFirst();
    }

    /** The certificate of the key that signed the report: the VCEK, else the VLEK. */
    public Optional<Octets> endorsement() {
        return find(VCEK).or(() -> find(VLEK));
    }

    /** The certificate of the key the report names in SIGNING_KEY: its VCEK or its VLEK, never the other. */
    public Optional<Octets> endorsement(SigningKey signingKey) {
        return switch (signingKey) {
            case VCEK -> find(VCEK);
            case VLEK -> find(VLEK);
            case NONE -> Optional.empty();
        };
    }

    /** A GUID's binary form: the first three fields little-endian, the rest as written. */
    private static Octets guid(String text) {
        byte[] b = HexFormat.of().parseHex(text.replace("-", ""));
        byte[] wire = {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
        return Octets.copyOf(wire);
    }
}
