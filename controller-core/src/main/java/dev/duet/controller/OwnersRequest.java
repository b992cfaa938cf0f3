package dev.duet.controller;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An owner key change as an owner asked for it (issue 12, {@code POST /v1/owners}): keys to add
 * (base64 SPKI, with the key id the owner expects, if given), key ids to remove, and the threshold
 * from then on (the current one if absent).
 */
public record OwnersRequest(List<NewKey> add, List<String> remove, OptionalInt threshold) {
    public record NewKey(Optional<String> keyId, String publicKey) {
        public NewKey {
            Objects.requireNonNull(keyId, "keyId");
            Objects.requireNonNull(publicKey, "publicKey");
        }
    }

    public OwnersRequest {
        add = List.copyOf(add);
        remove = List.copyOf(remove);
        Objects.requireNonNull(threshold, "threshold");
    }
}
