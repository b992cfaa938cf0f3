package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import java.util.List;

/**
 * How every verb shows a {@link Check}, whatever verified it (hardware evidence, a signed state):
 * as text, the check's own line ({@link Check#describe}); as JSON, an object with its members
 * {@code id, passed, expected, actual, reason}, so that a program reads every report alike.
 */
final class CheckReport {
    private CheckReport() {}

    static ObjectNode json(Check check) {
        return ControllerClient.JSON.createObjectNode().put("id", check.id()).put("passed", check.passed()).put("expected", check.expected())
                .put("actual", check.actual()).put("reason", check.reason());
    }

    static ArrayNode json(List<Check> checks) {
        ArrayNode array = ControllerClient.JSON.createArrayNode();
        checks.forEach(check -> array.add(json(check)));
        return array;
    }
}
