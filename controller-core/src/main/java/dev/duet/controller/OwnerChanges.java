package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.controller.internal.GovernanceRegistry;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.entry.Payload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Owner key rotation and revocation (issue 12): a governed change ({@link Governance}: k of n of
 * the owners in force when it is asked) that adds and removes keys and sets the threshold, logged
 * log-wide as {@code owners.changed}. From its commit on, a removed key is refused and every request
 * still waiting for approvals is logged expired (its approvals were given under the old owners).
 * A change that would leave no key, or fewer keys than the threshold, is refused.
 */
final class OwnerChanges {
    private final SqliteStore store;
    private final OwnerSet owners;
    private final Governance governance;
    private final Transitions transitions;

    OwnerChanges(SqliteStore store, OwnerSet owners, Governance governance, Transitions transitions) {
        this.store = store;
        this.owners = owners;
        this.governance = governance;
        this.transitions = transitions;
    }

    /** Judges the change against the owners in force, then governs it; carried out, it is judged again against the owners then. */
    OwnersChange change(OwnerId owner, OwnerRequest.Line line, byte[] body, OwnersRequest request) throws ControllerException {
        planned(request);
        return governance.govern(owner, line, body, Optional.empty(), approved -> apply(approved, request));
    }

    private OwnersChange apply(OwnerId approved, OwnersRequest request) throws ControllerException {
        Planned plan = planned(request);
        LogEntry entry = store.write(tx -> {
            long changes = GovernanceRegistry.ownersEntry(tx.handle());
            for (String removed : request.remove()) {
                GovernanceRegistry.removeOwner(tx.handle(), removed);
            }
            for (Ed25519PublicKey key : plan.added()) {
                GovernanceRegistry.addOwner(tx.handle(), key.keyId(), key.spki());
            }
            GovernanceRegistry.setThreshold(tx.handle(), plan.next().threshold());
            List<Payload.OwnerKey> added = plan.added().stream().map(k -> new Payload.OwnerKey(k.keyId(), k.base64())).toList();
            LogEntry logged = transitions.append(tx, null, approved.actor(), new Payload.OwnersChanged(added, request.remove(),
                    plan.next().threshold(), approved.approvedBy(), changes));
            GovernanceRegistry.ownersChanged(tx.handle(), logged.seq());
            governance.cancelAll(tx, "the owner keys changed (entry " + logged.seq() + ")");
            return logged;
        });
        owners.replace(plan.next());
        return new OwnersChange(List.copyOf(plan.next().keys().keySet()), plan.next().threshold(), entry.seq());
    }

    private record Planned(List<Ed25519PublicKey> added, OwnerSet.Snapshot next) {}

    private Planned planned(OwnersRequest request) throws ControllerException {
        OwnerSet.Snapshot now = owners.now();
        if (request.add().isEmpty() && request.remove().isEmpty() && request.threshold().isEmpty()) {
            throw invalid("an owner change adds a key, removes one or sets the threshold; this one does none");
        }
        Map<String, Ed25519PublicKey> next = new LinkedHashMap<>(now.keys());
        Set<String> removed = new HashSet<>();
        for (String keyId : request.remove()) {
            if (!removed.add(keyId) || next.remove(keyId) == null) {
                throw invalid("key " + keyId + " is not a registered owner key (or is named twice)");
            }
        }
        List<Ed25519PublicKey> added = new ArrayList<>();
        for (OwnersRequest.NewKey newKey : request.add()) {
            Ed25519PublicKey key;
            try {
                key = Ed25519PublicKey.parseBase64(newKey.publicKey());
            } catch (KeyFormatException e) {
                throw invalid("add: public_key is not an Ed25519 public key (base64 SPKI): " + e.getMessage());
            }
            if (newKey.keyId().isPresent() && !newKey.keyId().get().equals(key.keyId())) {
                throw invalid("add: key_id " + newKey.keyId().get() + " is not the id of that key (" + key.keyId() + ")");
            }
            if (next.containsKey(key.keyId()) || removed.contains(key.keyId())) {
                throw invalid("add: key " + key.keyId() + " is already an owner key (or is removed by the same change)");
            }
            next.put(key.keyId(), key);
            added.add(key);
        }
        int threshold = request.threshold().orElse(now.threshold());
        if (next.isEmpty()) {
            throw invalid("the change would leave no owner key");
        }
        if (threshold < 1 || threshold > next.size()) {
            throw invalid("the threshold must be 1 to " + next.size() + " (the owner keys after the change), not " + threshold);
        }
        return new Planned(added, new OwnerSet.Snapshot(next, threshold));
    }
}
