package dev.duet.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The RFC 9421 §2.5 signature base: one line {@code "name": value} per covered component, in the
 * order the signature lists them, then the {@code "@signature-params"} line without a newline.
 */
public final class SignatureBase {
    private SignatureBase() {}

    /**
     * @param components covered component names in order (derived ones start with {@code @},
     *     fields are lowercase)
     * @param values each component's value
     * @param signatureParams the serialised inner list with parameters, exactly as sent
     */
    public static byte[] build(List<String> components, Map<String, String> values, String signatureParams) {
        StringBuilder base = new StringBuilder();
        for (String name : components) {
            String value = values.get(name);
            if (value == null || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("component " + name + " has no single-line value");
            }
            base.append('"').append(name).append("\": ").append(value).append('\n');
        }
        base.append("\"@signature-params\": ").append(signatureParams);
        return base.toString().getBytes(StandardCharsets.UTF_8);
    }
}
