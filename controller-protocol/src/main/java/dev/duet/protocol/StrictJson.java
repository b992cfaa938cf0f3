package dev.duet.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.duet.log.EntryCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How every verifier reads a document the controller signed (a saved state, saved evidence, an
 * export, and the controller's answers that are then verified): strictly, so that the bytes have
 * one reading and it is the one that was verified. A JSON parser that let a duplicate member pass
 * would verify the last {@code "mode"} while another program reads the first; bytes after the
 * document would ride along unverified. Hence:
 * <ul>
 *   <li>well-formed UTF-8 (RFC 3629: no overlong forms, no encoded surrogates) and strings that are
 *       Unicode text (no unpaired surrogate, RFC 7493 §2.1);</li>
 *   <li>no duplicate member names (RFC 8259 §4 leaves them to the reader; I-JSON forbids them);</li>
 *   <li>nothing but whitespace after the document;</li>
 *   <li>nothing beyond what the controller writes: nesting deeper than {@value #MAX_DEPTH} levels,
 *       strings and numbers longer than the entry format allows ({@link EntryCodec#MAX_STRING_CHARS},
 *       {@link EntryCodec#MAX_NUMBER_CHARS}).</li>
 * </ul>
 * Whatever fails one of these is not what the controller signed, and {@link MalformedJsonException}
 * says which rule it broke.
 */
public final class StrictJson {
    /**
     * The deepest any controller document nests: a state's entries' payloads start four levels down
     * and nest at most {@link EntryCodec#MAX_PAYLOAD_DEPTH} levels, so 40 leaves room for every document.
     */
    public static final int MAX_DEPTH = EntryCodec.MAX_PAYLOAD_DEPTH + 8;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(EntryCodec.MAX_STRING_CHARS)
                    .maxNameLength(EntryCodec.MAX_STRING_CHARS)
                    .maxNumberLength(EntryCodec.MAX_NUMBER_CHARS)
                    .build())
            .build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

    private StrictJson() {}

    /** The one document in {@code bytes}, read strictly. */
    public static JsonNode read(byte[] bytes) throws MalformedJsonException {
        try (JsonParser parser = MAPPER.createParser(utf8(new ByteArrayInputStream(bytes)))) {
            JsonNode node = MAPPER.readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw new MalformedJsonException("no JSON document: the input is empty");
            }
            requireEnd(parser);
            requireUnicode(node);
            return node;
        } catch (JsonProcessingException e) {
            throw describe(e);
        } catch (CharacterCodingException e) {
            throw new MalformedJsonException("not well-formed UTF-8");
        } catch (IOException e) {
            throw new MalformedJsonException("unreadable: " + e.getMessage());
        }
    }

    /**
     * A strict parser over a file, for documents too large to hold (exports). Its caller reads the
     * document, then calls {@link #requireEnd}, and checks its strings with {@link EntryCodec#isUnicode}
     * (entries: {@link EntryCodec#fromJson} does). A file that is not well-formed UTF-8 fails its
     * reads with a {@link CharacterCodingException}.
     */
    public static JsonParser parser(Path file) throws IOException {
        return MAPPER.createParser(utf8(Files.newInputStream(file)));
    }

    /** After the document the parser has just read: nothing but whitespace may follow. */
    public static void requireEnd(JsonParser parser) throws MalformedJsonException, IOException {
        boolean more;
        try {
            more = parser.nextToken() != null;
        } catch (JsonProcessingException e) {
            more = true;
        }
        if (more) {
            throw new MalformedJsonException("content after the end of the JSON document");
        }
    }

    /** The parser's complaint in words; the limits named as what the controller never writes. */
    public static MalformedJsonException describe(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage()
                .replaceAll(", from `[^`]*`", "")
                .replaceAll("\\s*\\((?:start marker|for [A-Za-z]+ starting) at \\[Source: [^\\]]*\\]\\)", "")
                .replaceAll("\\[Source: [^\\]]*\\]", "")
                .strip();
        if (e instanceof StreamConstraintsException) {
            return new MalformedJsonException("beyond what the controller ever writes: " + limit(message));
        }
        if (message.startsWith("Duplicate ")) {
            return new MalformedJsonException("duplicate member name " + message.replaceFirst("^Duplicate [A-Za-z ]*?(?=['\"])", "")
                    .replace('"', '\''));
        }
        return new MalformedJsonException("not well-formed JSON: " + message);
    }

    private static String limit(String message) {
        if (message.startsWith("Document nesting depth")) {
            return "nested deeper than " + MAX_DEPTH + " levels";
        }
        if (message.startsWith("String value length")) {
            return "a string longer than " + EntryCodec.MAX_STRING_CHARS + " characters";
        }
        if (message.startsWith("Name length") || message.startsWith("Name value length")) {
            return "a member name longer than " + EntryCodec.MAX_STRING_CHARS + " characters";
        }
        if (message.startsWith("Number value length")) {
            return "a number longer than " + EntryCodec.MAX_NUMBER_CHARS + " characters";
        }
        return message;
    }

    private static Reader utf8(InputStream in) {
        return new InputStreamReader(in, StrictUtf8.decoder());
    }

    private static void requireUnicode(JsonNode node) throws MalformedJsonException {
        if (node.isTextual() && !EntryCodec.isUnicode(node.textValue())) {
            throw new MalformedJsonException("a string that is not Unicode text (an unpaired surrogate)");
        }
        if (node.isObject()) {
            // Member names need no check: the parser itself refuses a broken surrogate pair in a name.
            for (JsonNode value : node) {
                requireUnicode(value);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                requireUnicode(element);
            }
        }
    }
}
