package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

/** Our direct RFC 8785 writer against the JCS reference library, on random trees. */
class CanonicalJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ALPHABET = "aZ09 \"\\/\b\f\n\r\t\u0000\u0001\u001f\u007f\u00e9\u20ac\u2028\ud83d\ude00<>&'";

    static String randomString(Random r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            char c = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
            if (Character.isHighSurrogate(c)) {
                s.append("\ud83d\ude00");
            } else if (!Character.isLowSurrogate(c)) {
                s.append(c);
            }
        }
        return s.toString();
    }

    static JsonNode randomTree(Random r, int depth) {
        int kind = depth > 3 ? r.nextInt(6) : r.nextInt(8);
        return switch (kind) {
            case 0 -> MAPPER.getNodeFactory().nullNode();
            case 1 -> MAPPER.getNodeFactory().booleanNode(r.nextBoolean());
            case 2 -> MAPPER.getNodeFactory().textNode(randomString(r));
            case 3 -> MAPPER.getNodeFactory().numberNode(r.nextInt(2_000_001) - 1_000_000L);
            case 4 -> MAPPER.getNodeFactory().numberNode(r.nextBoolean() ? (1L << 53) : -(1L << 53) + r.nextInt(3));
            case 5 -> MAPPER.getNodeFactory().numberNode(r.nextBoolean() ? r.nextDouble() * 1e6 : Long.MAX_VALUE - r.nextInt(3));
            case 6 -> {
                ArrayNode a = MAPPER.createArrayNode();
                for (int i = r.nextInt(4); i > 0; i--) {
                    a.add(randomTree(r, depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = MAPPER.createObjectNode();
                for (int i = r.nextInt(5); i > 0; i--) {
                    o.set(randomString(r), randomTree(r, depth + 1));
                }
                yield o;
            }
        };
    }

    @Test
    void matchesTheJcsReferenceOnRandomTrees() throws Exception {
        Random random = new Random(8785);
        for (int i = 0; i < 5000; i++) {
            JsonNode tree = randomTree(random, 0);
            String reference = new JsonCanonicalizer("[" + MAPPER.writeValueAsString(tree) + "]").getEncodedString();
            assertThat("[" + CanonicalJson.write(tree) + "]").as(tree.toString()).isEqualTo(reference);
        }
    }
}
