package dev.duet.provisioner.attest;

import dev.duet.attestation.Octets;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.provisioner.ssh.SshConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Evidence from inside an SEV-SNP guest through configfs-tsm, over a provisional session pinned to
 * the key the guest presented. The guest computes REPORT_DATA from its own host key, so a relay
 * cannot substitute its key. The VCEK/VLEK comes from the auxblob (the SEV certificate table the
 * host supplies with an extended report). Verified against AMD's pinned roots, never simulated.
 */
public final class ConfigFsTsmSource implements EvidenceSource {
    /** GUIDs of the SEV certificate table (SNP firmware ABI, "certificate table"), in wire byte order. */
    private static final Octets VCEK = guid("63da758d-e664-4564-adc5-f4b93be8accd");
    private static final Octets VLEK = guid("a8074bc2-a25a-483e-aae6-39c045a0b8a1");

    private final Optional<byte[]> expectedMeasurement;

    public ConfigFsTsmSource(Optional<byte[]> expectedMeasurement) {
        this.expectedMeasurement = expectedMeasurement.map(byte[]::clone);
    }

    @Override
    public String name() {
        return "configfs-tsm";
    }

    @Override
    public boolean simulated() {
        return false;
    }

    @Override
    public AmdTrust trust() {
        return AmdTrust.amd();
    }

    @Override
    public Optional<byte[]> expectedMeasurement() {
        return expectedMeasurement.map(byte[]::clone);
    }

    @Override
    public Attested report(Guest guest, byte[] nonce) throws IOException {
        try (SshConnection session = guest.provisionalSession().open()) {
            ConfigFsTsm.Result result = ConfigFsTsm.requestHostKeyBinding(new SshTsmFs(session),
                    "duet-" + HexFormat.of().formatHex(nonce, 0, 8), nonce);
            if (result instanceof ConfigFsTsm.Result.NoTee noTee) {
                throw new IOException(noTee.reason());
            }
            ConfigFsTsm.Result.Report report = (ConfigFsTsm.Result.Report) result;
            byte[] endorsement = report.auxblob().flatMap(ConfigFsTsmSource::endorsementFromCertTable)
                    .orElseThrow(() -> new IOException("the " + report.provider() + " report came without a VCEK/VLEK in its "
                            + "auxblob (the host did not supply a certificate table)"));
            return new Attested(report.outblob().toByteArray(), endorsement);
        }
    }

    /** The VCEK or VLEK in an SEV certificate table: 24-byte entries (GUID, offset, length), ended by a zero GUID. */
    static Optional<byte[]> endorsementFromCertTable(Octets table) {
        byte[] bytes = table.toByteArray();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 24 <= bytes.length; at += 24) {
            Octets guid = Octets.copyOfRange(bytes, at, at + 16);
            if (guid.isZero()) {
                break;
            }
            long offset = Integer.toUnsignedLong(in.getInt(at + 16));
            long length = Integer.toUnsignedLong(in.getInt(at + 20));
            if ((guid.equals(VCEK) || guid.equals(VLEK)) && offset + length <= bytes.length) {
                return Optional.of(java.util.Arrays.copyOfRange(bytes, (int) offset, (int) (offset + length)));
            }
        }
        return Optional.empty();
    }

    /** A GUID's binary form: the first three fields little-endian, the rest as written. */
    private static Octets guid(String text) {
        byte[] b = HexFormat.of().parseHex(text.replace("-", ""));
        byte[] wire = {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
        return Octets.copyOf(wire);
    }
}
