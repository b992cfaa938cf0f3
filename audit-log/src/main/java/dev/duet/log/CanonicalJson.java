package dev.duet.log;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * RFC 8785 (JCS) serialisation of a Jackson tree, written directly for speed: members sorted by
 * UTF-16 code units, strings escaped as §3.2.2.2 requires, integers within ±2^53 as plain digits.
 * Any other number (fractions, exponents, larger integers) goes to the JCS library, whose
 * ECMAScript number formatting is the reference; a property test compares the two on random trees.
 */
final class CanonicalJson {
    private static final long MAX_SAFE = 1L << 53;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private CanonicalJson() {}

    static String write(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case NULL -> out.append("null");
            case BOOLEAN -> out.append(node.booleanValue());
            case STRING -> string(node.textValue(), out);
            case NUMBER -> number(node, out);
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case OBJECT -> {
                List<String> names = new ArrayList<>(node.size());
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    names.add(it.next());
                }
                names.sort(null);
                out.append('{');
                for (int i = 0; i < names.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    string(names.get(i), out);
                    out.append(':');
                    write(node.get(names.get(i)), out);
                }
                out.append('}');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private static void number(JsonNode node, StringBuilder out) {
        // 1e999 parses as an infinite double, which Jackson would print as the string "Infinity": a number has no such form.
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            throw new IllegalArgumentException("number is not finite: " + node.asText());
        }
        if (node.isIntegralNumber() && node.canConvertToLong() && Math.abs(node.longValue()) <= MAX_SAFE) {
            out.append(node.longValue());
            return;
        }
        try {
            String wrapped = new JsonCanonicalizer("[" + node + "]").getEncodedString();
            out.append(wrapped, 1, wrapped.length() - 1);
        } catch (IOException e) {
            throw new IllegalArgumentException("number cannot be canonicalised: " + node, e);
        }
    }

    static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
