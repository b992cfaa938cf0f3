package dev.duet.attestation.snp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SEV certificate table has one reading: each GUID once, each certificate after the headers and apart from the others. */
class SevCertificateTableTest {
    private static final Octets CERT = Octets.copyOf(new byte[] {1, 2, 3, 4});

    /** Header entries {guid, offset, length} then the terminator {zero guid, offset, length}, then {@code body}. */
    private static Octets table(List<Object[]> headers, int terminatorOffset, int terminatorLength, int bodyLength) {
        ByteBuffer out = ByteBuffer.allocate((headers.size() + 1) * 24 + bodyLength).order(ByteOrder.LITTLE_ENDIAN);
        for (Object[] h : headers) {
            out.put(((Octets) h[0]).toByteArray()).putInt((Integer) h[1]).putInt((Integer) h[2]);
        }
        out.put(new byte[16]).putInt(terminatorOffset).putInt(terminatorLength);
        return Octets.copyOf(out.array());
    }

    @Test
    void anHonestTableReadsBack() throws Exception {
        Octets encoded = new SevCertificateTable(List.of(new SevCertificateTable.Entry(SevCertificateTable.VCEK, CERT),
                new SevCertificateTable.Entry(SevCertificateTable.ASK, CERT))).encode();
        assertThat(SevCertificateTable.parse(encoded).find(SevCertificateTable.ASK)).contains(CERT);
        assertThat(SevCertificateTable.parse(encoded).endorsement(SigningKey.VCEK)).contains(CERT);
    }

    @Test
    void aGuidTwiceIsRefused() {
        Octets encoded = new SevCertificateTable(List.of(new SevCertificateTable.Entry(SevCertificateTable.VCEK, CERT),
                new SevCertificateTable.Entry(SevCertificateTable.VCEK, Octets.copyOf(new byte[] {9})))).encode();
        assertThatThrownBy(() -> SevCertificateTable.parse(encoded)).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("twice");
    }

    @Test
    void aCertificateInsideTheEntryHeadersIsRefused() {
        Octets encoded = table(List.<Object[]>of(new Object[] {SevCertificateTable.VCEK, 0, 24}), 0, 0, 0);
        assertThatThrownBy(() -> SevCertificateTable.parse(encoded)).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("headers");
    }

    @Test
    void overlappingCertificatesAreRefused() {
        Octets encoded = table(List.<Object[]>of(new Object[] {SevCertificateTable.VCEK, 72, 8}, new Object[] {SevCertificateTable.ASK, 76, 8}),
                0, 0, 16);
        assertThatThrownBy(() -> SevCertificateTable.parse(encoded)).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("overlap");
    }

    @Test
    void aTerminatorWithAnOffsetOrLengthIsRefused() {
        for (int[] terminator : new int[][] {{48, 0}, {0, 4}}) {
            Octets encoded = table(List.<Object[]>of(new Object[] {SevCertificateTable.VCEK, 48, 4}), terminator[0], terminator[1], 4);
            assertThatThrownBy(() -> SevCertificateTable.parse(encoded)).isInstanceOf(MalformedEvidenceException.class)
                    .hasMessageContaining("terminating entry");
        }
    }
}
