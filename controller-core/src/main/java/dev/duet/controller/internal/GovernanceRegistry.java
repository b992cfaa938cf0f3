package dev.duet.controller.internal;

import dev.duet.controller.Approval;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The governance tables (schema 4): governed requests and their approvals, the owner keys and their
 * threshold as owner changes leave them, and the log positions of those changes.
 */
public final class GovernanceRegistry {
    private static final String SELECT = "SELECT request_id, cvm_id, method, path, body_sha256, requested_by, approved_by, threshold, "
            + "expires, requested_seq, state, outcome FROM approvals";

    private GovernanceRegistry() {}

    public static void insert(Handle h, Approval a) {
        h.createUpdate("INSERT INTO approvals(request_id, cvm_id, method, path, body_sha256, requested_by, approved_by, threshold, expires, "
                + "requested_seq, state, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").bind(0, a.id()).bind(1, a.cvm().orElse(null))
                .bind(2, a.method()).bind(3, a.path()).bind(4, a.bodySha256()).bind(5, a.requestedBy()).bind(6, String.join(" ", a.approvedBy()))
                .bind(7, a.threshold()).bind(8, a.expires().getEpochSecond()).bind(9, a.requestedSeq()).bind(10, a.state().wire())
                .bind(11, a.outcome().orElse(null)).execute();
    }

    /** Records the request's approvals, state and outcome as {@code a} has them. */
    public static void update(Handle h, Approval a) {
        h.createUpdate("UPDATE approvals SET approved_by = ?, state = ?, outcome = ? WHERE request_id = ?")
                .bind(0, String.join(" ", a.approvedBy())).bind(1, a.state().wire()).bind(2, a.outcome().orElse(null)).bind(3, a.id()).execute();
    }

    public static Optional<Approval> find(Handle h, String id) {
        return h.createQuery(SELECT + " WHERE request_id = ?").bind(0, id).map((rs, ctx) -> row(rs)).findOne();
    }

    /** The requests in {@code state}, oldest first. */
    public static List<Approval> inState(Handle h, Approval.State state) {
        return h.createQuery(SELECT + " WHERE state = ? ORDER BY requested_seq").bind(0, state.wire()).map((rs, ctx) -> row(rs)).list();
    }

    /** The pending requests whose expiry is at or before {@code now} (epoch seconds). */
    public static List<Approval> due(Handle h, long now) {
        return h.createQuery(SELECT + " WHERE state = ? AND expires <= ? ORDER BY requested_seq").bind(0, Approval.State.PENDING.wire())
                .bind(1, now).map((rs, ctx) -> row(rs)).list();
    }

    public static boolean anyDue(Handle h, long now) {
        return h.createQuery("SELECT COUNT(*) FROM approvals WHERE state = ? AND expires <= ?").bind(0, Approval.State.PENDING.wire())
                .bind(1, now).mapTo(Integer.class).one() > 0;
    }

    public static void addOwner(Handle h, String keyId, byte[] spki) {
        h.createUpdate("INSERT INTO owners(key_id, public_key) VALUES (?, ?)").bind(0, keyId).bind(1, spki).execute();
    }

    public static void removeOwner(Handle h, String keyId) {
        h.createUpdate("DELETE FROM owners WHERE key_id = ?").bind(0, keyId).execute();
    }

    /** The threshold in force; 1 for a directory made before governance, which stored none. */
    public static int threshold(Handle h) {
        return h.createQuery("SELECT threshold FROM owner_threshold WHERE id = 1").mapTo(Integer.class).findOne().orElse(1);
    }

    public static void setThreshold(Handle h, int threshold) {
        h.createUpdate("INSERT INTO owner_threshold(id, threshold) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET threshold = excluded.threshold")
                .bind(0, threshold).execute();
    }

    /** Notes that entry {@code seq} is an {@code owners.changed}, which every bundle then carries. */
    public static void ownersChanged(Handle h, long seq) {
        h.createUpdate("INSERT INTO owner_changes(seq) VALUES (?)").bind(0, seq).execute();
    }

    /** Where the owners in force were set: the last {@code owners.changed} entry, or entry 0 when there is none. */
    public static long ownersEntry(Handle h) {
        return h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM owner_changes").mapTo(Long.class).one();
    }

    /** The {@code owners.changed} entries below log size {@code size}, in log order. */
    public static List<Long> ownerChanges(Handle h, long size) {
        return h.createQuery("SELECT seq FROM owner_changes WHERE seq < ? ORDER BY seq").bind(0, size).mapTo(Long.class).list();
    }

    private static Approval row(ResultSet rs) throws SQLException {
        return new Approval(rs.getString("request_id"), Optional.ofNullable(rs.getString("cvm_id")), rs.getString("method"),
                rs.getString("path"), rs.getString("body_sha256"), rs.getString("requested_by"),
                Arrays.asList(rs.getString("approved_by").split(" ")), rs.getInt("threshold"),
                Instant.ofEpochSecond(rs.getLong("expires")), Approval.State.parse(rs.getString("state")), rs.getLong("requested_seq"),
                // The body is not stored: it lives in memory with the waiting action, which a restart ends anyway.
                Optional.ofNullable(rs.getString("outcome")), Optional.empty());
    }
}
