package dev.duet.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.controller.internal.PolicyRegistry;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.entry.MalformedPayloadException;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.ShieldPolicy;
import java.io.IOException;
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
