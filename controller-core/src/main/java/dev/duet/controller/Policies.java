package dev.duet.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.controller.internal.PolicyRegistry;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.protocol.CvmHistory;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.ShieldPolicy;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * The command policies in force (issue 12, docs/policy.md): each CVM's, and the controller-wide
 * default copied into each CVM created after it. A policy is stored next to the entry that logs it
 * whole, in the same transaction; a decision reads the stored row and reuses the parsed policy
 * (and its rule index) while the row has not changed.
 */
public final class Policies {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final PolicyInForce BUILT_IN = new PolicyInForce(0, ShieldPolicy.DEFAULT, PolicyCodec.sha256(ShieldPolicy.DEFAULT),
            OptionalLong.empty());

    private final Map<String, PolicyInForce> parsed = new ConcurrentHashMap<>();

    /** The policy in force for the CVM {@code id}, read in {@code h}; the built-in default if none was ever set for it. */
    PolicyInForce inForce(Handle h, String id) {
        return read(h, id);
    }

    /** The controller-wide default, read in {@code h}: what a CVM created now starts with. */
    PolicyInForce defaultPolicy(Handle h) {
        return read(h, PolicyRegistry.DEFAULT_SCOPE);
    }

    /** Stores {@code policy} as in force for {@code scope}, inside the write that appended entry {@code seq} logging it. */
    static void store(Handle h, String scope, long version, long seq, ShieldPolicy policy) {
        PolicyRegistry.put(h, scope, version, seq, EntryCodec.canonical(PolicyCodec.encode(policy)));
    }

    /**
     * The CVM's last {@code policy.set} entry before {@code beforeSeq}, given the policy the CVM has
     * in force now: that one when it was set before, else found by reading back from there.
     */
    static Optional<LogEntry> setBefore(Handle h, String id, long beforeSeq, CvmHistory.Policy now) {
        OptionalLong nowSeq = now.seq();
        if (nowSeq.isPresent() && nowSeq.getAsLong() < beforeSeq) {
            return SqliteAuditLog.entry(h, nowSeq.getAsLong());
        }
        long cursor = beforeSeq;
        while (true) {
            List<LogEntry> page = SqliteAuditLog.subjectPageBefore(h, id, cursor, 256);
            for (LogEntry entry : page) {
                if (entry.kind().equals(EntryKind.POLICY_SET.wire())) {
                    return Optional.of(entry);
                }
            }
            if (page.size() < 256) {
                return Optional.empty();
            }
            cursor = page.get(page.size() - 1).seq();
        }
    }

    private PolicyInForce read(Handle h, String scope) {
        Optional<PolicyRegistry.Stored> stored = PolicyRegistry.find(h, scope);
        if (stored.isEmpty()) {
            return BUILT_IN;
        }
        PolicyRegistry.Stored row = stored.get();
        PolicyInForce known = parsed.get(scope);
        if (known != null && known.seq().equals(OptionalLong.of(row.seq()))) {
            return known;
        }
        ShieldPolicy policy;
        try {
            policy = PolicyCodec.decode("stored policy of " + scope, MAPPER.readTree(row.policyJson()));
        } catch (IOException | MalformedPayloadException e) {
            // The controller wrote this row itself, in the transaction that logged it: unreadable means a damaged store.
            throw new IllegalStateException("the stored policy of " + scope + " cannot be read: " + e.getMessage(), e);
        }
        PolicyInForce fresh = new PolicyInForce(row.version(), policy, PolicyCodec.sha256(policy), OptionalLong.of(row.seq()));
        parsed.put(scope, fresh);
        return fresh;
    }
}
