package dev.duet.protocol;

import java.util.Base64;

/** Strict RFC 7468 PEM: one block, the given label, base64 lines between the boundaries. */
final class Pem {
    private Pem() {}

    static String encode(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    static byte[] decode(String label, String text) throws KeyFormatException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        String trimmed = text.strip();
        if (!trimmed.startsWith(begin) || !trimmed.endsWith(end) || trimmed.length() < begin.length() + end.length()) {
            throw new KeyFormatException("not a PEM " + label);
        }
        String body = trimmed.substring(begin.length(), trimmed.length() - end.length()).replaceAll("[\r\n]", "");
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException("PEM " + label + " has invalid base64");
        }
    }
}
