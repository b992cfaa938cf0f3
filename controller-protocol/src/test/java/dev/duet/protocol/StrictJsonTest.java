package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.log.EntryCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every way a document can have a second reading is refused, with a reason in words; and the reader is total. */
class StrictJsonTest {
    private static final String DOCUMENT = "{\"payload\":{\"cvm\":{\"id\":\"cvm-1\",\"mode\":\"in-update\",\"tags\":[{\"k\":\"v\"}]},\"n\":42},"
            + "\"signature\":{\"alg\":\"ed25519\"}}";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String refusal(byte[] bytes) {
        try {
            StrictJson.read(bytes);
        } catch (MalformedJsonException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void aDocumentWithOneReadingIsRead() throws Exception {
        assertThat(StrictJson.read(utf8(DOCUMENT)).at("/payload/cvm/mode").asText()).isEqualTo("in-update");
        assertThat(StrictJson.read(utf8(" \n" + DOCUMENT + "\r\n\t ")).at("/payload/n").asInt()).isEqualTo(42);
        assertThat(StrictJson.read(utf8("{\"s\":\"\\ud83d\\ude00 caf\u00e9\"}")).path("s").asText()).isEqualTo("\ud83d\ude00 caf\u00e9");
    }

    @Test
    void everySecondReadingIsRefusedWithItsReason() throws Exception {
        List<Map.Entry<String, byte[]>> cases = List.of(
                Map.entry("duplicate member name 'payload'", utf8("{\"payload\":{}," + DOCUMENT.substring(1))),
                Map.entry("duplicate member name 'mode'", utf8(DOCUMENT.replace("\"mode\":", "\"mode\":\"in-service\",\"mode\":"))),
                Map.entry("duplicate member name 'k'", utf8(DOCUMENT.replace("{\"k\":\"v\"}", "{\"k\":\"v\",\"k\":\"w\"}"))),
                Map.entry("content after the end of the JSON document", utf8(DOCUMENT + DOCUMENT)),
                Map.entry("content after the end of the JSON document", utf8(DOCUMENT + "GARBAGE")),
                Map.entry("content after the end of the JSON document", utf8(DOCUMENT + "\0")),
                Map.entry("content after the end of the JSON document", utf8(DOCUMENT + "]")),
                Map.entry("not well-formed UTF-8", bytes(DOCUMENT.replace("cvm-1", "cvm\u0001"), (byte) 0xC0, (byte) 0xAF)),
                Map.entry("not well-formed UTF-8", bytes(DOCUMENT.replace("cvm-1", "cvm\u0001"), (byte) 0xED, (byte) 0xA0, (byte) 0x80)),
                Map.entry("a string that is not Unicode text (an unpaired surrogate)",
                        utf8(DOCUMENT.replace("cvm-1", "cvm\\ud800"))),
                Map.entry("not well-formed JSON: Unexpected low surrogate in field name",
                        utf8(DOCUMENT.replace("\"n\"", "\"\\udc00\""))),
                Map.entry("no JSON document: the input is empty", utf8("  \n")),
                Map.entry("not well-formed JSON", utf8(DOCUMENT.substring(0, DOCUMENT.length() / 2))),
                Map.entry("beyond what the controller ever writes: nested deeper than 40 levels",
                        utf8("[".repeat(41) + "]".repeat(41))),
                Map.entry("beyond what the controller ever writes: a number longer than 32 characters",
                        utf8("{\"n\":" + "1".repeat(33) + "}")),
                Map.entry("beyond what the controller ever writes: a string longer than 16777216 characters",
                        utf8("[\"" + "A".repeat(EntryCodec.MAX_STRING_CHARS + 1) + "\"]")));
        for (Map.Entry<String, byte[]> c : cases) {
            assertThat(refusal(c.getValue())).as(c.getKey()).startsWith(c.getKey()).doesNotContain("`").doesNotContain("com.fasterxml")
                    .doesNotContain("Source:");
        }
        assertThat(StrictJson.read(utf8("[".repeat(40) + "]".repeat(40))).isArray()).isTrue();
        assertThat(StrictJson.read(utf8("{\"n\":" + "1".repeat(32) + "}")).path("n").isNumber()).isTrue();
    }

    /** Replaces the \u0001 marker in {@code text} with raw bytes. */
    private static byte[] bytes(String text, byte... raw) {
        byte[] utf8 = utf8(text);
        int at = text.indexOf('\u0001');
        byte[] out = new byte[utf8.length - 1 + raw.length];
        System.arraycopy(utf8, 0, out, 0, at);
        System.arraycopy(raw, 0, out, at, raw.length);
        System.arraycopy(utf8, at + 1, out, at + raw.length, utf8.length - at - 1);
        return out;
    }

    /** Total: on random damage to a document, either a tree or MalformedJsonException, nothing else. */
    @Test
    void onlyItsOwnExceptionEscapes() {
        Random r = new Random(7493);
        byte[] base = utf8(DOCUMENT);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] mutant = base.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                mutant[r.nextInt(mutant.length)] = (byte) (r.nextBoolean() ? r.nextInt(256) : "{}[]\",:\\u0 ".charAt(r.nextInt(11)));
            }
            try {
                StrictJson.read(mutant);
            } catch (MalformedJsonException e) {
                refused++;
                assertThat(e.getMessage()).isNotBlank().doesNotContain("com.fasterxml");
            }
        }
        assertThat(refused).isGreaterThan(10_000);
    }
}
