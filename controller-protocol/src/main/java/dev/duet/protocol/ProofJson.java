package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Merkle proofs in JSON: an array of lowercase hex SHA-256 values, written and read in one place. */
public final class ProofJson {
    private ProofJson() {}

    public static ArrayNode write(ArrayNode target, List<Sha256Hash> hashes) {
        hashes.forEach(hash -> target.add(hash.hex()));
        return target;
    }

    /** The hashes, or empty if the value is not an array of 64-digit lowercase hex strings. */
    public static Optional<List<Sha256Hash>> read(JsonNode array) {
        if (!array.isArray()) {
            return Optional.empty();
        }
        List<Sha256Hash> hashes = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            try {
                hashes.add(Sha256Hash.parseHex(element.isTextual() ? element.asText() : ""));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.of(hashes);
    }
}
