package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * A JSON document signed by the controller: {@code {"payload": {...}, "signature": {"alg":
 * "ed25519", "key_id": ..., "value": base64}}}. The signature covers the context string
 * {@code "duet signed document v1"}, a zero byte, and the RFC 8785 canonical form of the payload;
 * each payload names its own {@code format}, so one kind of document cannot pass for another.
 */
public final class SignedDocument {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] CONTEXT = "duet signed document v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final Set<String> ENVELOPE = Set.of("payload", "signature");
    private static final Set<String> SIGNATURE = Set.of("alg", "key_id", "value");

    private SignedDocument() {}

    public static ObjectNode sign(Ed25519KeyPair key, ObjectNode payload) {
        ObjectNode signature = MAPPER.createObjectNode()
                .put("alg", "ed25519")
                .put("key_id", key.publicKey().keyId())
                .put("value", Base64.getEncoder().encodeToString(key.sign(signedBytes(EntryCodec.canonical(payload)))));
        ObjectNode document = MAPPER.createObjectNode();
        document.set("payload", payload);
        document.set("signature", signature);
        return document;
    }

    /**
     * Checks the envelope and the signature against the trusted key. The document must have been
     * read with {@link StrictJson}: the signature covers the payload as this tree holds it, so the
     * tree must be the bytes' only reading.
     *
     * @return the payload if the signature is valid, or empty with the reason in {@code failure}
     */
    public static Verified verify(JsonNode document, Ed25519PublicKey trusted) {
        Optional<String> malformed = malformed(document);
        if (malformed.isPresent()) {
            return Verified.failed(malformed.get());
        }
        JsonNode signature = document.get("signature");
        if (!"ed25519".equals(signature.path("alg").asText(null))) {
            return Verified.failed("signature algorithm is not ed25519");
        }
        String keyId = signature.path("key_id").asText("");
        if (!keyId.equals(trusted.keyId())) {
            return Verified.failed("signed by key " + keyId + ", expected " + trusted.keyId());
        }
        byte[] value;
        String encoded = signature.path("value").asText("");
        try {
            value = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return Verified.failed("signature value is not base64");
        }
        // Padding left out, or the last digit's unused bits set, would give one signature several spellings.
        if (!Base64.getEncoder().encodeToString(value).equals(encoded)) {
            return Verified.failed("signature value is not canonical base64");
        }
        ObjectNode payload = (ObjectNode) document.get("payload");
        String canonical;
        try {
            canonical = EntryCodec.canonical(payload);
        } catch (IllegalArgumentException e) {
            return Verified.failed("the payload has no canonical (RFC 8785) form");
        }
        // UTF-8 would turn an unpaired surrogate into '?': two payloads would share the signed bytes.
        if (!EntryCodec.isUnicode(canonical)) {
            return Verified.failed("the payload holds a string that is not Unicode text");
        }
        try {
            trusted.verify(signedBytes(canonical), value);
        } catch (InvalidSignatureException e) {
            return Verified.failed("invalid signature");
        }
        return new Verified(Optional.of(payload), "");
    }

    /**
     * Why {@code document} is not the envelope {@link #sign} writes, if it is not: exactly a
     * {@code payload} and a {@code signature} object, the signature exactly the strings {@code alg},
     * {@code key_id} and {@code value}. The signature covers the payload alone, so any other member
     * is one nobody signed; a reader that looked there (a {@code mode} beside the payload) would
     * trust it. The reason names the member.
     */
    public static Optional<String> malformed(JsonNode document) {
        if (document == null || !document.isObject() || !document.path("payload").isObject()
                || !document.path("signature").isObject()) {
            return Optional.of("not a signed document: expected payload and signature objects");
        }
        Optional<String> extra = unexpected(document, ENVELOPE);
        if (extra.isPresent()) {
            return Optional.of("unexpected member '" + extra.get() + "' beside the payload: nobody signed it (a signed document "
                    + "holds only payload and signature)");
        }
        JsonNode signature = document.get("signature");
        extra = unexpected(signature, SIGNATURE);
        if (extra.isPresent()) {
            return Optional.of("unexpected member '" + extra.get() + "' in the signature: nobody signed it (a signature holds "
                    + "only alg, key_id and value)");
        }
        for (String name : new String[] {"alg", "key_id", "value"}) {
            if (!signature.path(name).isTextual()) {
                return Optional.of("signature member '" + name + "' is " + (signature.has(name) ? "not a string" : "missing"));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> unexpected(JsonNode object, Set<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** The result of {@link #verify}: the payload when, and only when, the signature holds. */
    public record Verified(Optional<ObjectNode> payload, String failure) {
        static Verified failed(String reason) {
            return new Verified(Optional.empty(), reason);
        }
    }

    private static byte[] signedBytes(String canonicalPayload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(CONTEXT);
        out.writeBytes(canonicalPayload.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
