package dev.duet.controller.internal;

import dev.duet.controller.CvmView;
import dev.duet.controller.ProviderKind;
import dev.duet.protocol.CvmMode;
import dev.duet.provisioner.ssh.SshEndpoint;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The CVM rows ({@code cvms}, and {@code vms} for the guests the controller runs), read into records
 * and changed one named statement at a time. It decides nothing: which change is allowed is the
 * lifecycle's question, asked before any of these is called.
 */
public final class CvmRegistry {
    private static final String SELECT = "SELECT cvms.*, vms.evidence_source, vms.simulated FROM cvms LEFT JOIN vms ON vms.cvm_id = cvms.id";

    private CvmRegistry() {}

    /** A CVM row with what the controller needs to reach it; the sealed key stays sealed here. */
    public record CvmRow(
            String id, String name, ProviderKind provider, String host, int port, String user, String hostKeyPin,
            Optional<String> hostKey, String authorizedKeysPath, CvmMode mode, Optional<String> reason,
            byte[] sshPublicKey, String sshPublicLine, Optional<byte[]> sshPrivateSealed, Optional<CvmView.Attestation> attestation,
            boolean removed) {

        public CvmView view() {
            return new CvmView(id, name, provider, mode, SshEndpoint.address(user, host, port), hostKeyPin, hostKey, sshPublicLine, reason,
                    attestation);
        }
    }

    /** A CVM as it is recorded when its provisioning starts, with its SSH key already sealed. */
    public record NewRow(
            String id, String name, ProviderKind provider, String host, int port, String user, String hostKeyPin,
            String authorizedKeysPath, byte[] sshPublicKey, String sshPublicLine, byte[] sshPrivateSealed, long createdSeq) {}

    public static Optional<CvmRow> find(Handle h, String id) {
        return h.createQuery(SELECT + " WHERE cvms.id = :id").bind("id", id).map((rs, ctx) -> row(rs)).findOne();
    }

    /** Every mode with how many CVMs in the list are in it (zero for a mode none is in). */
    public static Map<CvmMode, Long> countByMode(Handle h) {
        Map<CvmMode, Long> counts = new EnumMap<>(CvmMode.class);
        for (CvmMode mode : CvmMode.values()) {
            counts.put(mode, 0L);
        }
        h.createQuery("SELECT mode, count(*) FROM cvms WHERE removed_seq IS NULL GROUP BY mode").map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list()
                .forEach(row -> CvmMode.parse(row.getKey()).ifPresent(mode -> counts.put(mode, row.getValue())));
        return Collections.unmodifiableMap(counts);
    }

    /** The id of the CVM in the list that answers to {@code name} (a removed CVM answers to none). */
    public static Optional<String> idOfName(Handle h, String name) {
        return h.createQuery("SELECT id FROM cvms WHERE listed_name = :name").bind("name", name).mapTo(String.class).findOne();
    }

    /** Whether a CVM in the list is named {@code name}, whether or not it answers to it (two CVMs of an older release may share one). */
    public static boolean nameListed(Handle h, String name) {
        return h.createQuery("SELECT COUNT(*) FROM cvms WHERE name = :name AND removed_seq IS NULL").bind("name", name)
                .mapTo(Integer.class).one() > 0;
    }

    /** Every CVM, removed ones included. */
    public static List<CvmRow> all(Handle h) {
        return h.createQuery(SELECT + " ORDER BY created_seq").map((rs, ctx) -> row(rs)).list();
    }

    /** The CVMs in the list: all but those removed from it. */
    public static List<CvmRow> listed(Handle h) {
        return h.createQuery(SELECT + " WHERE cvms.removed_seq IS NULL ORDER BY created_seq").map((rs, ctx) -> row(rs)).list();
    }

    /** Takes the CVM off the list, recording the entry that did; its name is free again. */
    public static void removed(Handle h, String id, long seq) {
        h.createUpdate("UPDATE cvms SET listed_name = NULL, removed_seq = :seq WHERE id = :id").bind("seq", seq).bind("id", id).execute();
    }

    /** Records a new CVM in {@code provisioning}. */
    public static void insert(Handle h, NewRow row) {
        h.createUpdate("INSERT INTO cvms(id, name, listed_name, provider, host, port, user, host_key_pin, authorized_keys_path, mode,"
                        + " ssh_public_key, ssh_public_line, ssh_private_sealed, created_seq) VALUES (:id, :name, :name, :provider, :host, :port,"
                        + " :user, :host_key_pin, :authorized_keys_path, :mode, :ssh_public_key, :ssh_public_line, :ssh_private_sealed,"
                        + " :created_seq)")
                .bind("id", row.id()).bind("name", row.name()).bind("provider", row.provider().wire()).bind("host", row.host())
                .bind("port", row.port()).bind("user", row.user()).bind("host_key_pin", row.hostKeyPin())
                .bind("authorized_keys_path", row.authorizedKeysPath()).bind("mode", CvmMode.PROVISIONING.wire())
                .bind("ssh_public_key", row.sshPublicKey()).bind("ssh_public_line", row.sshPublicLine())
                .bind("ssh_private_sealed", row.sshPrivateSealed()).bind("created_seq", row.createdSeq())
                .execute();
    }

    public static void setMode(Handle h, String id, CvmMode mode, Optional<String> reason) {
        h.createUpdate("UPDATE cvms SET mode = :mode, reason = :reason WHERE id = :id")
                .bind("mode", mode.wire()).bind("reason", reason.orElse(null)).bind("id", id).execute();
    }

    /** The host key the CVM presented, checked against {@code hostKeyPin}, and the mode its adoption leads to. */
    public static void adopted(Handle h, String id, String hostKey, String hostKeyPin, CvmMode mode) {
        h.createUpdate("UPDATE cvms SET host_key = :host_key, host_key_pin = :host_key_pin, mode = :mode WHERE id = :id")
                .bind("host_key", hostKey).bind("host_key_pin", hostKeyPin).bind("mode", mode.wire()).bind("id", id).execute();
    }

    /** Where the CVM's sshd answers, once its provider knows (an Azure VM's public address). */
    public static void addressed(Handle h, String id, String host, int port) {
        h.createUpdate("UPDATE cvms SET host = :host, port = :port WHERE id = :id").bind("host", host).bind("port", port).bind("id", id)
                .execute();
    }

    /** Forgets the CVM's sealed SSH key; the caller scrubs the freed pages after the commit. */
    public static void destroyKey(Handle h, String id) {
        h.createUpdate("UPDATE cvms SET ssh_private_sealed = NULL WHERE id = :id").bind("id", id).execute();
    }

    /** Records that the controller runs the CVM as a guest, its evidence from {@code evidenceSource}; no process yet. */
    public static void insertVm(Handle h, String id, String evidenceSource, boolean simulated) {
        h.createUpdate("INSERT INTO vms(cvm_id, pid, evidence_source, simulated) VALUES (:id, 0, :evidence_source, :simulated)")
                .bind("id", id).bind("evidence_source", evidenceSource).bind("simulated", simulated ? 1 : 0).execute();
    }

    /** The guest's process and the port its sshd is forwarded to. */
    public static void vmStarted(Handle h, String id, long pid, int port) {
        h.createUpdate("UPDATE vms SET pid = :pid WHERE cvm_id = :id").bind("pid", pid).bind("id", id).execute();
        h.createUpdate("UPDATE cvms SET port = :port WHERE id = :id").bind("port", port).bind("id", id).execute();
    }

    public static Optional<Long> vmPid(Handle h, String id) {
        return h.createQuery("SELECT pid FROM vms WHERE cvm_id = :id").bind("id", id).mapTo(Long.class).findOne();
    }

    private static CvmRow row(ResultSet rs) throws SQLException {
        String evidenceSource = rs.getString("evidence_source");
        Optional<CvmView.Attestation> attestation = evidenceSource == null ? Optional.empty()
                : Optional.of(new CvmView.Attestation(evidenceSource, rs.getInt("simulated") == 1));
        return new CvmRow(
                rs.getString("id"), rs.getString("name"),
                ProviderKind.parse(rs.getString("provider")).orElseThrow(() -> new IllegalStateException("unknown provider in store")),
                rs.getString("host"), rs.getInt("port"),
                rs.getString("user"), rs.getString("host_key_pin"), Optional.ofNullable(rs.getString("host_key")),
                rs.getString("authorized_keys_path"),
                CvmMode.parse(rs.getString("mode")).orElseThrow(() -> new IllegalStateException("unknown mode in store")),
                Optional.ofNullable(rs.getString("reason")), rs.getBytes("ssh_public_key"), rs.getString("ssh_public_line"),
                Optional.ofNullable(rs.getBytes("ssh_private_sealed")),
                attestation, rs.getObject("removed_seq") != null);
    }
}
