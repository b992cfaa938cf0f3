package dev.duet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Octets;
import java.io.PrintWriter;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Parsed evidence as {@code duet attest} shows it: every component of its records as JSON, or as
 * flat {@code path: value} lines. The same input gives the same bytes.
 */
final class EvidenceFields {
    /** Bulky or binary parts that {@code show} summarises instead of printing, as Record.component. */
    private static final Set<String> HIDDEN = Set.of("SnpReport.signedBytes", "Quote.signedBytes", "EnclaveReport.raw",
            "QuoteSignature.certificationData");

    private EvidenceFields() {}

    /**
     * Every component of a record, recursively, in declaration order, with bytes as hex, flag words
     * ({@code raw}) and TCB words as 0x-hex, and empty optionals left out. Collections are printed in
     * their own order: every one shown is a list, so the same input gives the same bytes.
     */
    static JsonNode fields(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value instanceof Record record) {
            ObjectNode object = nodes.objectNode();
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                if (HIDDEN.contains(record.getClass().getSimpleName() + "." + component.getName())) {
                    continue;
                }
                try {
                    Object raw = component.getAccessor().invoke(record);
                    boolean word = component.getName().endsWith("Tcb") || component.getName().equals("raw");
                    JsonNode field = raw instanceof Long number && word
                            ? nodes.textNode(String.format("0x%016x", number)) : fields(raw);
                    if (field != null) {
                        object.set(component.getName(), field);
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return object;
        }
        if (value instanceof Optional<?> optional) {
            return optional.map(EvidenceFields::fields).orElse(null);
        }
        if (value instanceof OptionalInt optional) {
            return optional.isPresent() ? nodes.numberNode(optional.getAsInt()) : null;
        }
        if (value instanceof OptionalLong optional) {
            return optional.isPresent() ? nodes.numberNode(optional.getAsLong()) : null;
        }
        if (value instanceof Collection<?> collection) {
            ArrayNode array = nodes.arrayNode();
            collection.forEach(element -> array.add(fields(element)));
            return array;
        }
        if (value instanceof Octets octets) {
            return nodes.textNode(octets.hex());
        }
        if (value instanceof Number number) {
            return nodes.numberNode(number.longValue());
        }
        if (value instanceof Boolean bool) {
            return nodes.booleanNode(bool);
        }
        return nodes.textNode(String.valueOf(value));
    }

    /** One {@code path: value} line per leaf, paths joined with '.' and indexed with [i]. */
    static void printFlat(PrintWriter out, String prefix, JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
                printFlat(out, prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue());
            }
        } else if (node.isArray() && node.size() > 0 && node.get(0).isContainerNode()) {
            for (int i = 0; i < node.size(); i++) {
                printFlat(out, prefix + "[" + i + "]", node.get(i));
            }
        } else {
            out.println(prefix + ": " + (node.isTextual() ? node.textValue() : node.toString()));
        }
    }
}
