package dev.duet.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Well-formed UTF-8 only (RFC 3629: no overlong forms, no encoded surrogates, nothing cut short),
 * as every reader of bytes someone else wrote decodes them: the JDK's decoder set to report what
 * it would otherwise replace. A JSON parser handed bytes decodes them itself, more leniently (an
 * overlong form passes for its character, leading NULs make it guess UTF-16 or UTF-32), so such
 * bytes go through here first.
 */
public final class StrictUtf8 {
    private StrictUtf8() {}

    /** A fresh decoder that reports malformed input (a decoder is not thread-safe, so one per use). */
    public static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** The text of {@code bytes}, which must be well-formed UTF-8. */
    public static String decode(byte[] bytes) throws CharacterCodingException {
        return decoder().decode(ByteBuffer.wrap(bytes)).toString();
    }
}
