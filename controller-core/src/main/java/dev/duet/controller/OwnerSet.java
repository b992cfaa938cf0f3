package dev.duet.controller;

import dev.duet.protocol.Ed25519PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The owner keys the controller obeys now and how many of them a governed request needs (k of n,
 * issue 12). Entry 0 sets both; an {@code owners.changed} entry replaces them, and from that
 * moment a removed key is refused ({@link OwnerAuthenticator}) and its approvals count no more.
 * Readers see one consistent pair: the keys and the threshold are replaced together.
 */
final class OwnerSet {
    /** The keys by key id, in registration order, and the threshold that goes with them. */
    record Snapshot(Map<String, Ed25519PublicKey> keys, int threshold) {
        Snapshot {
            keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
            if (threshold < 1 || threshold > keys.size()) {
                throw new IllegalArgumentException("the threshold must be 1 to " + keys.size() + " (the number of owner keys), not " + threshold);
            }
        }
    }

    private volatile Snapshot now;

    OwnerSet(Map<String, Ed25519PublicKey> keys, int threshold) {
        this.now = new Snapshot(keys, threshold);
    }

    Snapshot now() {
        return now;
    }

    Optional<Ed25519PublicKey> key(String keyId) {
        return Optional.ofNullable(now.keys().get(keyId));
    }

    int threshold() {
        return now.threshold();
    }

    /** Called only inside the write that logs the change, after it is durable. */
    void replace(Snapshot changed) {
        now = changed;
    }
}
