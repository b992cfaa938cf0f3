package dev.duet.controller.internal;

import dev.duet.controller.CvmView;
import dev.duet.protocol.CvmMode;
import dev.duet.provisioner.ssh.SshEndpoint;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The controller's own tables, next to the log's in the same SQLite file (one transaction covers both). */
public final class Tables {
    private Tables() {}

    public static Void create(Handle h) {
        h.execute("CREATE TABLE IF NOT EXISTS owners (key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL)");
        h.execute("CREATE TABLE IF NOT EXISTS nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, created INTEGER NOT NULL,"
                + " PRIMARY KEY (key_id, nonce))");
        h.execute("CREATE TABLE IF NOT EXISTS controller_keys (purpose TEXT PRIMARY KEY, public_key BLOB NOT NULL,"
                + " private_sealed BLOB NOT NULL)");
        h.execute("CREATE TABLE IF NOT EXISTS cvms ("
                + " id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL,"
                + " host TEXT NOT NULL, port INTEGER NOT NULL, user TEXT NOT NULL,"
                + " host_key_pin TEXT NOT NULL, host_key TEXT, authorized_keys_path TEXT NOT NULL,"
                + " mode TEXT NOT NULL, reason TEXT,"
                + " ssh_public_key BLOB NOT NULL, ssh_public_line TEXT NOT NULL, ssh_private_sealed BLOB,"
                + " created_seq INTEGER NOT NULL)");
        h.execute("CREATE TABLE IF NOT EXISTS vms (cvm_id TEXT PRIMARY KEY, pid INTEGER NOT NULL,"
                + " evidence_source TEXT NOT NULL, simulated INTEGER NOT NULL)");
        return null;
    }

    /** A CVM row with what the controller needs to reach it; the sealed key stays sealed here. */
    public record CvmRow(
            String id, String name, String provider, String host, int port, String user, String hostKeyPin,
            Optional<String> hostKey, String authorizedKeysPath, CvmMode mode, Optional<String> reason,
            byte[] sshPublicKey, String sshPublicLine, Optional<byte[]> sshPrivateSealed, Optional<CvmView.Attestation> attestation) {

        public CvmView view() {
            return new CvmView(id, name, provider, mode, SshEndpoint.address(user, host, port), hostKeyPin, hostKey, sshPublicLine, reason,
                    attestation);
        }
    }

    public static Optional<CvmRow> cvm(Handle h, String id) {
        return h.createQuery("SELECT cvms.*, vms.evidence_source, vms.simulated FROM cvms LEFT JOIN vms ON vms.cvm_id = cvms.id WHERE cvms.id = ?").bind(0, id).map((rs, ctx) -> row(rs)).findOne();
    }

    public static List<CvmRow> cvms(Handle h) {
        return h.createQuery("SELECT cvms.*, vms.evidence_source, vms.simulated FROM cvms LEFT JOIN vms ON vms.cvm_id = cvms.id ORDER BY created_seq").map((rs, ctx) -> row(rs)).list();
    }

    public static void setMode(Handle h, String id, CvmMode mode, Optional<String> reason) {
        h.createUpdate("UPDATE cvms SET mode = ?, reason = ? WHERE id = ?").bind(0, mode.wire()).bind(1, reason.orElse(null)).bind(2, id).execute();
    }

    private static CvmRow row(java.sql.ResultSet rs) throws java.sql.SQLException {
        String evidenceSource = rs.getString("evidence_source");
        Optional<CvmView.Attestation> attestation = evidenceSource == null ? Optional.empty()
                : Optional.of(new CvmView.Attestation(evidenceSource, rs.getInt("simulated") == 1));
        return new CvmRow(
                rs.getString("id"), rs.getString("name"), rs.getString("provider"), rs.getString("host"), rs.getInt("port"),
                rs.getString("user"), rs.getString("host_key_pin"), Optional.ofNullable(rs.getString("host_key")),
                rs.getString("authorized_keys_path"),
                CvmMode.parse(rs.getString("mode")).orElseThrow(() -> new IllegalStateException("unknown mode in store")),
                Optional.ofNullable(rs.getString("reason")), rs.getBytes("ssh_public_key"), rs.getString("ssh_public_line"),
                Optional.ofNullable(rs.getBytes("ssh_private_sealed")),
                attestation);
    }
}
