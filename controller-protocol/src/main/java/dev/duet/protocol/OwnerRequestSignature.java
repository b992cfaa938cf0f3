package dev.duet.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * duet's profile of RFC 9421 HTTP Message Signatures for owner requests. Exactly one signature,
 * labelled {@code duet}, covering {@code ("@method" "@path" "@query" "content-digest")} with the
 * parameters {@code created}, {@code nonce}, {@code keyid}, {@code alg="ed25519"} and
 * {@code tag="duet.controller/<controller key id>"} in that order; the body is bound through an
 * RFC 9530 {@code Content-Digest: sha-256=:…:} field, which is required on every request, including
 * those without a body. The tag names the controller the request is for (its log's origin), so that
 * another controller that registered the same owner key refuses it: nonces are remembered per
 * controller, and without the tag the same bytes would be accepted by each. The profile accepts one
 * serialisation only, so the signature base the verifier rebuilds is the one that was signed.
 */
public final class OwnerRequestSignature {
    public static final String LABEL = "duet";
    public static final List<String> COVERED = List.of("@method", "@path", "@query", "content-digest");
    public static final String SIGNATURE_INPUT = "Signature-Input";
    public static final String SIGNATURE = "Signature";
    public static final String CONTENT_DIGEST = "Content-Digest";
    /**
     * The largest signed body a controller takes unless its operator sets another (1.5 MiB): an
     * upload of the default policy's {@code max_upload_bytes} (1 MiB) is 1,398,104 characters of
     * base64, which with its JSON members and a path of up to 4 KiB fits. Clients name it when a
     * controller closes on a larger one.
     */
    public static final int DEFAULT_MAX_BODY_BYTES = 3 << 19;

    private static final Pattern INPUT = Pattern.compile(
            "duet=\\(\"@method\" \"@path\" \"@query\" \"content-digest\"\\)"
                    + ";created=(0|[1-9][0-9]{0,11});nonce=\"([A-Za-z0-9_-]{22,86})\";keyid=\"([0-9a-f]{64})\";alg=\"ed25519\""
                    + ";tag=\"duet\\.controller/([0-9a-f]{64})\"");
    private static final Pattern SIG = Pattern.compile("duet=:([A-Za-z0-9+/]{86}==):");
    private static final Pattern CONTROLLER_KEY_ID = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private OwnerRequestSignature() {}

    /**
     * What the signature headers claim, before any check of the signature itself: {@code keyId} the
     * owner's key, {@code controllerKeyId} the controller the request was signed for.
     */
    public record Claims(long created, String nonce, String keyId, String controllerKeyId, String signatureParams, byte[] signature) {}

    /** Signs a request for the controller whose key id is {@code controllerKeyId} (as in its log's origin, {@link ControllerLog#origin}). */
    public static Map<String, String> sign(Ed25519KeyPair key, String controllerKeyId, String method, String path, String rawQuery,
            byte[] body, long createdEpochSeconds) {
        if (!CONTROLLER_KEY_ID.matcher(controllerKeyId).matches()) {
            throw new IllegalArgumentException("a controller key id is 64 lower-case hex digits, not " + controllerKeyId);
        }
        byte[] nonceBytes = new byte[24];
        RANDOM.nextBytes(nonceBytes);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(nonceBytes);
        String params = "(\"@method\" \"@path\" \"@query\" \"content-digest\");created=" + createdEpochSeconds
                + ";nonce=\"" + nonce + "\";keyid=\"" + key.publicKey().keyId() + "\";alg=\"ed25519\";tag=\"" + ControllerLog.ORIGIN_PREFIX
                + controllerKeyId + "\"";
        String digest = contentDigest(body);
        byte[] signature = key.sign(base(method, path, rawQuery, digest, params));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(CONTENT_DIGEST, digest);
        headers.put(SIGNATURE_INPUT, LABEL + "=" + params);
        headers.put(SIGNATURE, LABEL + "=:" + Base64.getEncoder().encodeToString(signature) + ":");
        return headers;
    }

    public static Claims parse(String signatureInput, String signature) throws MalformedSignatureException {
        if (signatureInput == null || signature == null) {
            throw new MalformedSignatureException("missing Signature-Input or Signature header");
        }
        Matcher input = INPUT.matcher(signatureInput);
        if (!input.matches()) {
            throw new MalformedSignatureException("Signature-Input does not follow the duet profile");
        }
        Matcher sig = SIG.matcher(signature);
        if (!sig.matches()) {
            throw new MalformedSignatureException("Signature does not follow the duet profile");
        }
        byte[] signatureBytes;
        try {
            signatureBytes = Base64.getDecoder().decode(sig.group(1));
        } catch (IllegalArgumentException e) {
            throw new MalformedSignatureException("Signature is not base64");
        }
        // The last digit's unused bits would give one signature several spellings.
        if (!Base64.getEncoder().encodeToString(signatureBytes).equals(sig.group(1))) {
            throw new MalformedSignatureException("Signature is not canonical base64");
        }
        return new Claims(
                Long.parseLong(input.group(1)),
                input.group(2),
                input.group(3),
                input.group(4),
                signatureInput.substring(LABEL.length() + 1),
                signatureBytes);
    }

    /** The signature base for a request as the server sees it. */
    public static byte[] base(String method, String path, String rawQuery, String contentDigest, String signatureParams) {
        Map<String, String> values = Map.of(
                "@method", method,
                "@path", path,
                "@query", "?" + (rawQuery == null ? "" : rawQuery),
                "content-digest", contentDigest);
        return SignatureBase.build(COVERED, values, signatureParams);
    }

    /** RFC 9530 Content-Digest with SHA-256. */
    public static String contentDigest(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "sha-256=:" + Base64.getEncoder().encodeToString(digest) + ":";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean digestMatches(String header, byte[] body) {
        return header != null
                && MessageDigest.isEqual(header.getBytes(StandardCharsets.US_ASCII), contentDigest(body).getBytes(StandardCharsets.US_ASCII));
    }
}
