package dev.duet.controller.internal;

import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The policies table (schema 3): the policy in force per CVM, and the controller-wide default under scope {@value #DEFAULT_SCOPE}. */
public final class PolicyRegistry {
    public static final String DEFAULT_SCOPE = "*";

    /** A stored policy: its version, the seq of the entry that logged it, and its JSON as logged. */
    public record Stored(long version, long seq, String policyJson) {}

    private PolicyRegistry() {}

    public static Optional<Stored> find(Handle h, String scope) {
        return h.createQuery("SELECT version, seq, policy FROM policies WHERE scope = ?").bind(0, scope)
                .map((rs, ctx) -> new Stored(rs.getLong(1), rs.getLong(2), rs.getString(3))).findOne();
    }

    /** Records the policy in force for {@code scope}, inside the write that appends the entry {@code seq} logging it. */
    public static void put(Handle h, String scope, long version, long seq, String policyJson) {
        h.createUpdate("INSERT INTO policies(scope, version, seq, policy) VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET "
                + "version = excluded.version, seq = excluded.seq, policy = excluded.policy")
                .bind(0, scope).bind(1, version).bind(2, seq).bind(3, policyJson).execute();
    }
}
