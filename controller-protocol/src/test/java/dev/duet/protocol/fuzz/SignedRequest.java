package dev.duet.protocol.fuzz;

import dev.duet.protocol.OwnerRequestSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An owner request as the controller sees it, in the seed files' text form: the request line
 * ({@code METHOD target}), the three signature fields as {@code Name: value} lines, a blank line,
 * the body. Field names are case-insensitive and the raw query is read as the server reads it
 * ({@code /p?} like {@code /p}), so two texts that are the same request compare equal. Bytes are
 * ISO-8859-1, as the server reads field values.
 */
record SignedRequest(String method, String path, String rawQuery, String contentDigest, String signatureInput, String signature, byte[] body) {
    private static final String[] FIELDS = {
        OwnerRequestSignature.CONTENT_DIGEST, OwnerRequestSignature.SIGNATURE_INPUT, OwnerRequestSignature.SIGNATURE};

    /**
     * The request in these bytes, or null if they are not one the server could receive: HTTP has
     * no CR or LF inside a request line or field value, and a field given twice is refused before
     * it is parsed.
     */
    static SignedRequest read(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int blank = text.indexOf("\n\n");
        if (blank < 0 || text.substring(0, blank).indexOf('\r') >= 0) {
            return null;
        }
        String[] lines = text.substring(0, blank).split("\n", -1);
        int space = lines[0].indexOf(' ');
        if (space <= 0) {
            return null;
        }
        String target = lines[0].substring(space + 1);
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 || question == target.length() - 1 ? null : target.substring(question + 1);
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(": ");
            if (colon <= 0 || fields.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 2)) != null) {
                return null;
            }
        }
        byte[] body = Arrays.copyOfRange(bytes, blank + 2, bytes.length);
        return new SignedRequest(lines[0].substring(0, space), path, query, field(fields, 0), field(fields, 1), field(fields, 2), body);
    }

    private static String field(Map<String, String> fields, int i) {
        return fields.get(FIELDS[i].toLowerCase(Locale.ROOT));
    }

    byte[] write() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method).append(' ').append(path);
        if (rawQuery != null) {
            head.append('?').append(rawQuery);
        }
        head.append('\n');
        String[] values = {contentDigest, signatureInput, signature};
        for (int i = 0; i < FIELDS.length; i++) {
            head.append(FIELDS[i]).append(": ").append(values[i]).append('\n');
        }
        out.writeBytes(head.append('\n').toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    static byte[] resource(String path) {
        try (InputStream in = SignedRequest.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedRequest r && method.equals(r.method) && path.equals(r.path) && Objects.equals(rawQuery, r.rawQuery)
                && Objects.equals(contentDigest, r.contentDigest) && Objects.equals(signatureInput, r.signatureInput)
                && Objects.equals(signature, r.signature) && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, path, rawQuery, contentDigest, signatureInput, signature, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return new String(write(), StandardCharsets.ISO_8859_1);
    }
}
