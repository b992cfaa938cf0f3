package dev.duet.log.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.CanonicalEntryScanner;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import dev.duet.log.note.NoteVerifierKey;
import dev.duet.log.note.SignedNote;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The log's parsers whatever the bytes: only their own error escapes (anything else, an
 * OutOfMemoryError included, is a finding; in a campaign so is an input slower than libFuzzer's
 * per-input timeout); what they accept re-encodes to the same text; the one-pass entry scanner never
 * certifies what the codec refuses; and a signed checkpoint that opens under the trusted key says
 * exactly what that key signed. Under plain {@code mvn test} each method replays its seeds in
 * LogFuzzTestInputs/ (real outputs, see {@link FuzzSeeds}); with {@code -Pfuzz} Jazzer mutates them
 * for the time given (docs/audit-log.md).
 */
class LogFuzzTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final NoteVerifierKey TRUSTED = FuzzSeeds.signer().verifierKey();
    /** The only text the trusted key signed; the fuzzer has no way to sign another. */
    private static final String SIGNED_TEXT = new String(FuzzSeeds.committed(FuzzSeeds.CHECKPOINT_BODY), StandardCharsets.UTF_8);

    @FuzzTest(maxDuration = "2m")
    void entry(byte[] input) throws MalformedEntryException {
        CanonicalEntryScanner.Scanned scanned = CanonicalEntryScanner.scan(input, 0, input.length);
        check(scanned == null || scanned.equals(scanInside(input)), "the scanner reads outside its range");
        check(scanned == null || scanned.end() == input.length, "the scanner certified an entry that does not end at its range's end");
        LogEntry entry;
        try {
            entry = EntryCodec.decode(input);
        } catch (MalformedEntryException refused) {
            check(scanned == null, "the scanner certified an entry the codec refuses: " + refused.getMessage());
            canonicalJsonIsIdempotent(input);
            return;
        }
        check(Arrays.equals(EntryCodec.encode(entry), input), "a decoded entry re-encodes to other bytes");
        check(EntryCodec.fromJson(EntryCodec.toJson(entry)).equals(entry), "an entry's object form reads back to another entry");
        if (scanned != null) {
            check(scanned.seq() == entry.seq() && scanned.prev().equals(entry.prev())
                            && Objects.equals(Optional.ofNullable(scanned.subject()), entry.subject())
                            && Objects.equals(Optional.ofNullable(scanned.subjectPrev()), entry.subjectPrev()),
                    "the scanner and the codec read different fields");
        }
        canonicalJsonIsIdempotent(input);
    }

    @FuzzTest(maxDuration = "2m")
    void signedCheckpoint(byte[] input) {
        String note = new String(input, StandardCharsets.UTF_8);
        SignedNote parsed;
        try {
            parsed = SignedNote.parse(note);
        } catch (MalformedNoteException refused) {
            return;
        }
        check(parsed.encode().equals(note), "a parsed note re-encodes to another text");
        String opened;
        try {
            opened = parsed.open(TRUSTED);
        } catch (NoteRejectedException rejected) {
            return;
        }
        check(opened.equals(SIGNED_TEXT), "a note opened under the trusted key with a text it never signed");
        try {
            check(Checkpoint.open(note, TRUSTED, FuzzSeeds.ORIGIN).text().equals(SIGNED_TEXT), "an opened checkpoint has another text");
        } catch (MalformedNoteException | NoteRejectedException e) {
            throw new AssertionError("the signed checkpoint no longer opens: " + e.getMessage());
        }
    }

    @FuzzTest(maxDuration = "2m")
    void checkpointBody(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            check(Checkpoint.parse(text).text().equals(text), "a parsed checkpoint re-encodes to another text");
        } catch (MalformedNoteException refused) {
            // Refusing is the only other allowed outcome.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void verifierKey(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            check(NoteVerifierKey.parse(text).toString().equals(text), "a parsed verifier key re-encodes to another text");
        } catch (MalformedNoteException refused) {
            // Refused by the parser.
        }
    }

    /** The same bytes inside a larger buffer, as the export verifier scans them in place, with the end where it is in {@code input}. */
    private static CanonicalEntryScanner.Scanned scanInside(byte[] input) {
        byte[] padded = new byte[input.length + 2];
        padded[0] = '[';
        System.arraycopy(input, 0, padded, 1, input.length);
        padded[input.length + 1] = ']';
        CanonicalEntryScanner.Scanned inside = CanonicalEntryScanner.scan(padded, 1, input.length + 1);
        return inside == null ? null
                : new CanonicalEntryScanner.Scanned(inside.seq(), inside.prev(), inside.subject(), inside.subjectPrev(), inside.end() - 1);
    }

    /**
     * Canonical JSON of any JSON text is a fixed point: written again it does not change. A number
     * without a finite value is the one thing it refuses.
     */
    private static void canonicalJsonIsIdempotent(byte[] input) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(input);
        } catch (IOException notJson) {
            return;
        }
        if (tree == null || tree.isMissingNode()) {
            return;
        }
        String once;
        try {
            once = EntryCodec.canonical(tree);
        } catch (IllegalArgumentException notFinite) {
            return;
        }
        try {
            check(EntryCodec.canonical(MAPPER.readTree(once)).equals(once), "canonical JSON is not a fixed point");
        } catch (IOException e) {
            throw new AssertionError("canonical JSON does not parse: " + once, e);
        }
    }

    private static void check(boolean holds, String property) {
        if (!holds) {
            throw new AssertionError(property);
        }
    }
}
