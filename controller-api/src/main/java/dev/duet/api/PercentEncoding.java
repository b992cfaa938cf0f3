package dev.duet.api;

import dev.duet.controller.ControllerException;
import dev.duet.protocol.StrictUtf8;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;

/**
 * Percent-encoding as RFC 3986 §2.1 has it: {@code %} and two hex digits, over UTF-8, read
 * strictly. Anything else (a {@code %u} escape, a stray {@code %}, bytes that are not UTF-8, a
 * character outside ASCII left unencoded) is refused, never guessed at.
 */
final class PercentEncoding {
    private PercentEncoding() {}

    /**
     * Decodes {@code encoded}, which {@code what} names in a refusal ("the query", "the path");
     * with {@code plusIsSpace}, {@code +} is a space, as in HTML form encoding.
     */
    static String decode(String encoded, boolean plusIsSpace, String what) throws ControllerException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                if (i + 2 >= encoded.length() || !isAsciiHex(encoded.charAt(i + 1)) || !isAsciiHex(encoded.charAt(i + 2))) {
                    throw Json.invalid(what + " holds a malformed percent-encoding: % must be followed by two hex digits");
                }
                bytes.write(Integer.parseInt(encoded, i + 1, i + 3, 16));
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                throw Json.invalid(what + " holds a character that is not percent-encoded");
            }
        }
        try {
            return StrictUtf8.decode(bytes.toByteArray());
        } catch (CharacterCodingException e) {
            throw Json.invalid(what + " is not well-formed UTF-8 once percent-decoded");
        }
    }

    private static boolean isAsciiHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
