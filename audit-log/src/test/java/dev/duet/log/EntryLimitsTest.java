package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The entry format's limits are one line that the controller's writer, the codec and the fast
 * path's scanner all draw in the same place: what the controller cannot write, a verifier can
 * call "not written by the controller" without a false alarm.
 */
class EntryLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A payload whose containers nest {@code levels} deep, the payload object being the first. */
    private static String nested(int levels) {
        return "{\"a\":" + "[".repeat(levels - 1) + "]".repeat(levels - 1) + "}";
    }

    private static String entry(String payload) {
        return "{\"actor\":\"controller\",\"kind\":\"k\",\"payload\":" + payload + ",\"prev\":\"" + "0".repeat(64)
                + "\",\"seq\":0,\"time\":\"2026-11-23T07:12:00Z\"}";
    }

    private static CanonicalEntryScanner.Scanned scan(String entry) {
        byte[] bytes = entry.getBytes(StandardCharsets.UTF_8);
        return CanonicalEntryScanner.scan(bytes, 0, bytes.length);
    }

    @Test
    void writerCodecAndScannerAgreeOnTheDeepestPayload() throws Exception {
        JsonNode deepest = JSON.readTree(nested(EntryCodec.MAX_PAYLOAD_DEPTH));
        JsonNode tooDeep = JSON.readTree(nested(EntryCodec.MAX_PAYLOAD_DEPTH + 1));

        assertThat(EntryDraft.of("cvm-1", "controller", "k", deepest).payloadJson()).isEqualTo(nested(EntryCodec.MAX_PAYLOAD_DEPTH));
        assertThatThrownBy(() -> EntryDraft.of("cvm-1", "controller", "k", tooDeep)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than 32");

        assertThat(EntryCodec.decode(entry(nested(EntryCodec.MAX_PAYLOAD_DEPTH)).getBytes(StandardCharsets.UTF_8)).kind()).isEqualTo("k");
        assertThatThrownBy(() -> EntryCodec.decode(entry(nested(EntryCodec.MAX_PAYLOAD_DEPTH + 1)).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEntryException.class).hasMessage("payload nests deeper than 32 levels");

        assertThat(scan(entry(nested(EntryCodec.MAX_PAYLOAD_DEPTH)))).isNotNull();
        assertThat(scan(entry(nested(EntryCodec.MAX_PAYLOAD_DEPTH + 1)))).isNull();
    }

    @Test
    void stringsAndNumbersBeyondTheLimitsAreNeitherWrittenNorDecoded() throws Exception {
        ObjectNode longString = JSON.createObjectNode().put("s", "A".repeat(EntryCodec.MAX_STRING_CHARS + 1));
        ObjectNode longNumber = JSON.createObjectNode().put("n", new BigInteger("9".repeat(EntryCodec.MAX_NUMBER_CHARS + 1)));
        for (ObjectNode payload : new ObjectNode[] {longString, longNumber}) {
            assertThatThrownBy(() -> EntryDraft.of(null, "controller", "k", payload)).isInstanceOf(IllegalArgumentException.class);
            ObjectNode node = (ObjectNode) JSON.readTree(entry("{}"));
            node.set("payload", payload);
            assertThatThrownBy(() -> EntryCodec.fromJson(node)).isInstanceOf(MalformedEntryException.class).hasMessageContaining("longer than");
        }
        String atTheLimit = "A".repeat(EntryCodec.MAX_STRING_CHARS);
        assertThat(EntryDraft.of(null, "controller", "k", JSON.createObjectNode().put("s", atTheLimit)).payloadJson()).hasSize(atTheLimit.length() + 8);
    }

    /**
     * UTF-8 has no encoding for an unpaired surrogate (Java writes '?'), so a payload holding one has
     * the bytes of a payload holding '?': decoding must refuse it, or an export could swap the one
     * for the other and still verify. The scanner never certifies it (it certifies no such escape).
     */
    @Test
    void anUnpairedSurrogateIsNotDecodedAsTheQuestionMarkItWouldBeWrittenAs() throws Exception {
        String honest = entry("{\"note\":\"a?b\"}");
        String swapped = entry("{\"note\":\"a\\ud800b\"}");
        LogEntry written = EntryCodec.decode(honest.getBytes(StandardCharsets.UTF_8));
        assertThat(EntryCodec.encode(new LogEntry(0, Instant.parse("2026-11-23T07:12:00Z"), Optional.empty(), "controller", "k",
                "{\"note\":\"a\ud800b\"}", Sha256Hash.ZERO, Optional.empty()))).as("the collision this guards against")
                .isEqualTo(EntryCodec.encode(written));
        assertThatThrownBy(() -> EntryCodec.fromJson(JSON.readTree(swapped))).isInstanceOf(MalformedEntryException.class)
                .hasMessageContaining("not Unicode text");
        assertThatThrownBy(() -> EntryCodec.fromJson(JSON.readTree(honest.replace("\"controller\"", "\"contr\\udc00oller\""))))
                .isInstanceOf(MalformedEntryException.class).hasMessageContaining("actor");
        assertThat(scan(swapped)).isNull();
    }

    /** 1e999 is an infinite double, which was canonicalised as the string "Infinity": a number and a string with one encoding. */
    @Test
    void aNumberWithoutACanonicalFormIsMalformed() throws Exception {
        for (String infinite : new String[] {"1e999", "-1e999"}) {
            JsonNode node = JSON.readTree(entry("{\"n\":" + infinite + "}"));
            assertThatThrownBy(() -> EntryCodec.fromJson(node)).isInstanceOf(MalformedEntryException.class).hasMessageContaining("canonical");
        }
    }
}
