package dev.duet.provisioner.attest;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.provisioner.ssh.SshConnection;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Evidence from inside an SEV-SNP guest through configfs-tsm, over a provisional session pinned to
 * the key the guest presented. The guest computes REPORT_DATA from its own host key, so a relay
 * cannot substitute its key. The VCEK/VLEK comes from the auxblob (the SEV certificate table the
 * host supplies with an extended report). Verified against AMD's pinned roots, never simulated.
 */
public final class ConfigFsTsmSource implements EvidenceSource {
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
            return attested(ConfigFsTsm.requestHostKeyBinding(new SshTsmFs(session), "duet-" + HexFormat.of().formatHex(nonce, 0, 8),
                    nonce));
        }
    }

    /**
     * The same configfs-tsm protocol over the pinned session, with the REPORT_DATA the controller
     * computed written as the inblob: the session ends in the attested guest, so no relay can ask
     * in its place.
     */
    @Override
    public Attested freshReport(SshConnection pinned, byte[] reportData) throws IOException {
        ConfigFsTsm.Result result = ConfigFsTsm.request(new SshTsmFs(pinned), "duet-fresh-" + HexFormat.of().formatHex(reportData, 0, 8),
                reportData);
        return attested(result);
    }

    private static Attested attested(ConfigFsTsm.Result result) throws IOException {
        if (result instanceof ConfigFsTsm.Result.NoTee noTee) {
            throw new IOException(noTee.reason());
        }
        ConfigFsTsm.Result.Report report = (ConfigFsTsm.Result.Report) result;
        byte[] endorsement = report.auxblob().flatMap(ConfigFsTsmSource::endorsementFromCertTable)
                .orElseThrow(() -> new IOException("the " + report.provider() + " report came without a VCEK/VLEK in its "
                        + "auxblob (the host did not supply a certificate table)"));
        return new Attested(report.outblob().toByteArray(), endorsement);
    }

    /** The VCEK or VLEK in an SEV certificate table; none when the table is unreadable. */
    static Optional<byte[]> endorsementFromCertTable(Octets table) {
        try {
            return SevCertificateTable.parse(table).endorsement().map(Octets::toByteArray);
        } catch (MalformedEvidenceException e) {
            return Optional.empty();
        }
    }
}
