package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path takes honest exports itself and hands everything else to the full path; a failure
 * inside verification is "could not verify", never a verdict and never a hang.
 */
class FastExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    private final Ed25519KeyPair key = Ed25519KeyPair.generate();

    /** A payload the controller writes, as {@link PayloadCodec} writes it. */
    private static Payload failed(String reason) {
        return new Payload.CommandFailed("c1", reason);
    }

    /**
     * A payload the controller writes with its first member of {@code type} replaced by {@code value}:
     * content the controller never writes, in a payload it does, without spelling any member's name.
     */
    private static ObjectNode replacingFirst(Payload payload, JsonNodeType type, JsonNode value) {
        ObjectNode node = PayloadCodec.encode(payload);
        Iterator<Map.Entry<String, JsonNode>> members = node.fields();
        while (members.hasNext()) {
            Map.Entry<String, JsonNode> member = members.next();
            if (member.getValue().getNodeType() == type) {
                node.set(member.getKey(), value);
                return node;
            }
        }
        throw new IllegalArgumentException(payload + " has no member of type " + type);
    }

    /** An export of {@code n} entries over three subjects, written as {@code duet log export} writes it. */
    private ObjectNode export(int n, Payload payload) throws Exception {
        return export(n, payload.kind().wire(), PayloadCodec.encode(payload), -1, -1);
    }

    private ObjectNode export(int n, Payload payload, int forkSubjectAt, int skipSeqAt) throws Exception {
        return export(n, payload.kind().wire(), PayloadCodec.encode(payload), forkSubjectAt, skipSeqAt);
    }

    /** With {@code forkSubjectAt} >= 0, that entry's subject_prev is wrong though everything is signed consistently. */
    private ObjectNode export(int n, String kind, ObjectNode payloadTree, int forkSubjectAt, int skipSeqAt) throws Exception {
        return export(n, kind, payloadTree, forkSubjectAt, skipSeqAt, i -> "cvm-" + (i % 3));
    }

    private ObjectNode export(int n, String kind, ObjectNode payloadTree, int forkSubjectAt, int skipSeqAt, IntFunction<String> subjectOf)
            throws Exception {
        String payload = EntryCodec.canonical(payloadTree);
        MerkleFrontier tree = new MerkleFrontier();
        Sha256Hash prev = Sha256Hash.ZERO;
        Map<String, Sha256Hash> subjects = new HashMap<>();
        ObjectNode export = JSON.createObjectNode();
        var entries = JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            String subject = subjectOf.apply(i);
            LogEntry entry = new LogEntry(skipSeqAt >= 0 && i >= skipSeqAt ? i + 1 : i, Instant.parse("2026-11-23T07:00:00Z").plusMillis(i * 7L), Optional.of(subject),
                    "controller", kind, payload, prev, Optional.of(i == forkSubjectAt ? Sha256Hash.of(new byte[1])
                            : subjects.getOrDefault(subject, Sha256Hash.ZERO)));
            byte[] bytes = EntryCodec.encode(entry);
            prev = Sha256Hash.of(bytes);
            subjects.put(subject, prev);
            tree.append(MerkleHashes.leaf(bytes));
            entries.add(JSON.readTree(bytes));
        }
        CheckpointSigner signer = ControllerLog.checkpointSigner(key);
        Checkpoint checkpoint = new Checkpoint(signer.origin(), n, tree.root(), List.of());
        export.put("checkpoint", SignedNote.sign(checkpoint.text(), signer.verifierKey(), signer::sign).encode());
        export.set("entries", entries);
        return export;
    }

    private Path write(ObjectNode export, boolean pretty) throws Exception {
        Path file = dir.resolve("export-" + System.nanoTime() + ".json");
        Files.writeString(file, pretty ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(export) : JSON.writeValueAsString(export),
                StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void anHonestCompactExportIsVerifiedByTheFastPath() throws Exception {
        Path file = write(export(20_000, failed("caf\u00e9 \n")), false);
        Optional<LogExportVerifier.Verdict> fast = FastExport.verify(file, key.publicKey());
        assertThat(fast).hasValueSatisfying(v -> assertThat(v.intact()).isTrue());
        assertThat(fast.get().size()).isEqualTo(20_000);
        assertThat(LogExportVerifier.verifyFully(file, key.publicKey()).detail()).isEqualTo(fast.get().detail());
    }

    @Test
    void anEntryLargerThanTheFastPathsCopyWindowIsVerifiedAndItsCutEndIsHandedOn() throws Exception {
        ObjectNode export = export(4, failed("x".repeat(3_000_000)));
        Path file = write(export, false);
        Optional<LogExportVerifier.Verdict> fast = FastExport.verify(file, key.publicKey());
        assertThat(fast).hasValueSatisfying(v -> assertThat(v.intact()).isTrue());
        assertThat(fast.get().size()).isEqualTo(4);

        String text = Files.readString(file);
        Path cut = dir.resolve("cut.json");
        Files.writeString(cut, text.substring(0, text.length() - 500_000));
        assertThat(FastExport.verify(cut, key.publicKey())).isEmpty();
        assertThat(LogExportVerifier.verify(cut, key.publicKey()).intact()).isFalse();
    }

    /**
     * Windows are cut where the next entry is guessed to start; payloads here hold that very text
     * ({@code ,{"actor":"}) throughout, so with windows smaller than a few entries most guesses
     * fall inside an entry. The verdict must not change, and the fast path must still take the file.
     * In the second payload a number follows each such object, so that the layout after a wrong
     * guess breaks off (no object where the next window would start) while the window before it has
     * not yet shown the guess wrong: the fast path must wait for that, not give up.
     */
    @Test
    void aPayloadThatLooksLikeTheStartOfAnEntryDoesNotMisleadTheWindowCuts() throws Exception {
        ObjectNode objects = JSON.createObjectNode();
        ArrayNode nested = objects.putArray("list");
        ObjectNode mixed = JSON.createObjectNode();
        ArrayNode interleaved = mixed.putArray("list");
        for (int i = 0; i < 40; i++) {
            nested.addObject().put("actor", "a" + i);
            interleaved.addObject().put("actor", "a" + i);
            interleaved.add(i);
        }
        for (ObjectNode payload : List.of(objects, mixed)) {
            Path honest = write(export(300, "note.nested", payload, -1, -1), false);
            Path forked = write(export(300, "note.nested", payload, 250, -1), false);
            for (int window : new int[] {700, 1_500, 4_096, 1 << 20}) {
                Optional<LogExportVerifier.Verdict> fast = FastExport.verify(honest, key.publicKey(), window);
                assertThat(fast).as("%s, window %d", payload == objects ? "objects" : "objects and numbers", window)
                        .hasValueSatisfying(v -> assertThat(v.intact()).isTrue());
                assertThat(fast.get().size()).isEqualTo(300);
                assertThat(FastExport.verify(forked, key.publicKey(), window)).as("window %d", window).isEmpty();
            }
            assertThat(LogExportVerifier.verify(forked, key.publicKey()).intact()).isFalse();
        }
    }

    /**
     * Small windows make the fast path reuse its buffers hundreds of times over; many subjects fill
     * its map of subjects: pairs of them with equal hash codes ("Aa…" and "BB…"), sixteen sharing
     * one (enough for the map to keep them in a tree), some written with escapes. Every chain stays
     * apart: the honest log passes, and one subject's fork in a late window is found.
     */
    @Test
    void reusedWindowsAndManySubjectsKeepEveryChainApart() throws Exception {
        // "Aa" and "BB" hash alike in any position, so all sixteen spellings of four such blocks do.
        IntFunction<String> colliding = k -> "cvm-" + ((k & 1) == 0 ? "Aa" : "BB") + ((k & 2) == 0 ? "Aa" : "BB")
                + ((k & 4) == 0 ? "Aa" : "BB") + ((k & 8) == 0 ? "Aa" : "BB");
        IntFunction<String> subjectOf = i -> switch (i % 5) {
            case 0 -> "cvm-Aa" + (i / 5 % 300);
            case 1 -> "cvm-BB" + (i / 5 % 300);
            case 2 -> "cvm-\u00e9\n\"" + (i % 7);
            case 3 -> colliding.apply(i / 5 % 16);
            default -> "cvm-" + (i % 1_000);
        };
        assertThat("cvm-Aa1".hashCode()).isEqualTo("cvm-BB1".hashCode());
        assertThat(java.util.stream.IntStream.range(0, 16).mapToObj(colliding).distinct()).hasSize(16);
        assertThat(java.util.stream.IntStream.range(0, 16).mapToObj(colliding).map(String::hashCode).distinct()).hasSize(1);
        Path honest = write(export(6_000, "command.failed", PayloadCodec.encode(failed("")), -1, -1, subjectOf), false);
        Path forked = write(export(6_000, "command.failed", PayloadCodec.encode(failed("")), 5_901, -1, subjectOf), false);
        for (int window : new int[] {4_096, 1 << 20}) {
            Optional<LogExportVerifier.Verdict> fast = FastExport.verify(honest, key.publicKey(), window);
            assertThat(fast).as("window %d", window).hasValueSatisfying(v -> assertThat(v.intact()).isTrue());
            assertThat(fast.get().size()).isEqualTo(6_000);
            assertThat(FastExport.verify(forked, key.publicKey(), window)).as("window %d", window).isEmpty();
        }
        assertThat(LogExportVerifier.verify(forked, key.publicKey()).firstBadIndex()).hasValue(5_901);
    }

    @Test
    void whatTheFastPathDoesNotCertifyGoesToTheFullPathWithTheSameAnswer() throws Exception {
        Path pretty = write(export(50, failed("timed out")), true);
        assertThat(FastExport.verify(pretty, key.publicKey())).isEmpty();
        assertThat(LogExportVerifier.verify(pretty, key.publicKey()).intact()).isTrue();

        Payload started = new Payload.CommandStarted("c1", List.of("true"), Duration.ofSeconds(30));
        Path fraction = write(export(50, started.kind().wire(), replacingFirst(started, JsonNodeType.NUMBER, DoubleNode.valueOf(0.5)),
                -1, -1), false);
        assertThat(FastExport.verify(fraction, key.publicKey())).isEmpty();
        assertThat(LogExportVerifier.verify(fraction, key.publicKey()).intact()).isTrue();

        ObjectNode broken = export(50, failed("timed out"));
        ((ObjectNode) broken.get("entries").get(17)).put("kind", "command.forged");
        Path tampered = write(broken, false);
        assertThat(FastExport.verify(tampered, key.publicKey())).isEmpty();
        LogExportVerifier.Verdict verdict = LogExportVerifier.verify(tampered, key.publicKey());
        assertThat(verdict.intact()).isFalse();
        assertThat(verdict.firstBadIndex()).hasValue(17);

        assertThat(FastExport.verify(write(export(50, failed("")), false), Ed25519KeyPair.generate().publicKey())).isEmpty();

        Path forkedSubject = write(export(50, failed(""), 31, -1), false);
        assertThat(FastExport.verify(forkedSubject, key.publicKey())).as("a signed log whose CVM chain is broken").isEmpty();
        assertThat(LogExportVerifier.verify(forkedSubject, key.publicKey()).firstBadIndex()).hasValue(31);

        Path forkedFirst = write(export(50, failed(""), 2, -1), false);
        assertThat(FastExport.verify(forkedFirst, key.publicKey())).as("a CVM's first entry whose subject_prev is not zero").isEmpty();
        assertThat(LogExportVerifier.verify(forkedFirst, key.publicKey()).firstBadIndex()).hasValue(2);

        Path skippedSeq = write(export(50, failed(""), -1, 12), false);
        assertThat(FastExport.verify(skippedSeq, key.publicKey())).as("a signed log that skips a sequence number").isEmpty();
        assertThat(LogExportVerifier.verify(skippedSeq, key.publicKey()).firstBadIndex()).hasValue(12);
    }

    /**
     * Bytes with a second reading (a duplicate member, content after the document, an unpaired
     * surrogate where the controller wrote the '?' it encodes to) are not certified by the fast path,
     * and the full path calls them tampered; so is an entry nested deeper than the format allows,
     * even one signed consistently.
     */
    @Test
    void bytesWithASecondReadingOrBeyondTheFormatAreTampered() throws Exception {
        String honest = JSON.writeValueAsString(export(40, failed("a?b")));
        java.util.Map<String, String> crafted = new java.util.LinkedHashMap<>();
        crafted.put("a second checkpoint", "{\"checkpoint\":\"x\"," + honest.substring(1));
        crafted.put("a second kind in entry 7", honest.replace("\"seq\":7,", "\"seq\":7,\"kind\":\"fake\","));
        crafted.put("garbage after the document", honest + "GARBAGE");
        crafted.put("a second document", honest + honest);
        crafted.put("an unpaired surrogate for '?'", honest.replace("a?b", "a\\ud800b"));
        for (java.util.Map.Entry<String, String> c : crafted.entrySet()) {
            assertThat(c.getValue()).as(c.getKey()).isNotEqualTo(honest);
            Path file = dir.resolve("crafted.json");
            Files.writeString(file, c.getValue(), StandardCharsets.UTF_8);
            assertThat(FastExport.verify(file, key.publicKey())).as(c.getKey()).isEmpty();
            LogExportVerifier.Verdict verdict = LogExportVerifier.verify(file, key.publicKey());
            assertThat(verdict.intact()).as(c.getKey() + ": " + verdict.detail()).isFalse();
        }
        Payload shallow = failed("x");
        JsonNode nested = JSON.readTree("[".repeat(EntryCodec.MAX_PAYLOAD_DEPTH) + "]".repeat(EntryCodec.MAX_PAYLOAD_DEPTH));
        Path deep = write(export(10, shallow.kind().wire(), replacingFirst(shallow, JsonNodeType.STRING, nested), -1, -1), false);
        assertThat(FastExport.verify(deep, key.publicKey())).isEmpty();
        LogExportVerifier.Verdict verdict = LogExportVerifier.verify(deep, key.publicKey());
        assertThat(verdict.intact()).isFalse();
        assertThat(verdict.detail()).isEqualTo("entry 0 is malformed: payload nests deeper than 32 levels");
    }

    @Test
    void aReaderThatDiesIsCouldNotVerifyPromptlyNotAHang() throws Exception {
        ObjectNode export = export(10_000, failed(""));
        ArrayNode entries = (ArrayNode) export.get("entries");
        ArrayNode dying = new ArrayNode(JSON.getNodeFactory()) {
            @Override
            public Iterator<JsonNode> elements() {
                Iterator<JsonNode> real = entries.elements();
                return new Iterator<>() {
                    private int served;

                    @Override
                    public boolean hasNext() {
                        return real.hasNext();
                    }

                    @Override
                    public JsonNode next() {
                        if (++served == 5_000) {
                            throw new OutOfMemoryError("Java heap space");
                        }
                        return real.next();
                    }
                };
            }
        };
        dying.addAll(entries);
        export.set("entries", dying);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> LogExportVerifier.verify(export, key.publicKey()))
                .isInstanceOf(LogExportVerifier.CouldNotVerify.class).hasMessageContaining("out of memory"));
    }

    /**
     * The checkpoint string in encodings a strict reader refuses but the bytes' character could be
     * read from: an overlong two-byte letter, an overlong three-byte slash, and a raw newline as an
     * overlong form in place of its escape. The signed text is unchanged by any of them, so only the
     * reading of the bytes can tell; both paths must refuse what the strict reader refuses.
     */
    @Test
    void aCheckpointInOverlongUtf8IsTamperedByBothPaths() throws Exception {
        byte[] honest = JSON.writeValueAsBytes(export(30, failed("x")));
        String text = new String(honest, StandardCharsets.US_ASCII);
        int noteStart = text.indexOf("\"checkpoint\":\"") + "\"checkpoint\":\"".length();
        int letter = noteStart;
        while (!Character.isLetter(text.charAt(letter))) {
            letter++;
        }
        Map<String, byte[]> crafted = new java.util.LinkedHashMap<>();
        crafted.put("an overlong letter", splice(honest, letter, 1, overlong2(honest[letter])));
        int slash = text.indexOf('/', noteStart);
        assertThat(slash).as("the note's origin has a slash").isPositive();
        crafted.put("an overlong slash", splice(honest, slash, 1, new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}));
        int newline = text.indexOf("\\n", noteStart);
        crafted.put("a raw newline, overlong, for its escape", splice(honest, newline, 2, overlong2((byte) '\n')));
        for (Map.Entry<String, byte[]> c : crafted.entrySet()) {
            Path file = dir.resolve("overlong.json");
            Files.write(file, c.getValue());
            assertThat(FastExport.verify(file, key.publicKey())).as(c.getKey()).isEmpty();
            LogExportVerifier.Verdict verdict = LogExportVerifier.verify(file, key.publicKey());
            assertThat(verdict.intact()).as(c.getKey()).isFalse();
            assertThat(verdict.detail()).as(c.getKey()).contains("not well-formed UTF-8");
        }
    }

    /**
     * A checkpoint string that starts with NUL bytes once made the fast path's JSON reader guess
     * UTF-32 and fail with an exception that was not a parse error: "could not verify" for bytes
     * that are simply not an export.
     */
    @Test
    void aCheckpointStartingWithNulsIsTamperedNotCouldNotVerify() throws Exception {
        for (byte[] note : List.of(new byte[] {0, 0, 0, 'A'}, new byte[] {0, 0, 0, 'A', 'A', 'A', 'A', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F})) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            bytes.write("{\"checkpoint\":\"".getBytes(StandardCharsets.US_ASCII));
            bytes.write(note);
            bytes.write("\",\"entries\":[]}".getBytes(StandardCharsets.US_ASCII));
            Path file = dir.resolve("nuls.json");
            Files.write(file, bytes.toByteArray());
            assertThat(FastExport.verify(file, key.publicKey())).isEmpty();
            assertThat(LogExportVerifier.verify(file, key.publicKey()).intact()).isFalse();
        }
    }

    /**
     * An entry larger than the fast path reads whole goes to the full path, which streams it,
     * rather than into an array the size of whatever the file claims; within the bound the fast
     * path takes it. Both bounds are made small here so that a small file reaches them.
     */
    @Test
    void anEntryBeyondTheFastPathsBoundIsLeftToTheFullPath() throws Exception {
        Path file = write(export(4, failed("x".repeat(100_000))), false);
        assertThat(FastExport.verify(file, key.publicKey(), 16_384, 50_000)).isEmpty();
        assertThat(FastExport.verify(file, key.publicKey(), 16_384, 1 << 20)).hasValueSatisfying(v -> assertThat(v.intact()).isTrue());
        assertThat(LogExportVerifier.verify(file, key.publicKey()).intact()).isTrue();
    }

    private static byte[] splice(byte[] bytes, int at, int length, byte[] replacement) {
        byte[] out = new byte[bytes.length - length + replacement.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(replacement, 0, out, at, replacement.length);
        System.arraycopy(bytes, at + length, out, at + replacement.length, bytes.length - at - length);
        return out;
    }

    /** The two-byte overlong form of an ASCII character, which well-formed UTF-8 forbids. */
    private static byte[] overlong2(byte ascii) {
        return new byte[] {(byte) (0xC0 | ascii >> 6), (byte) (0x80 | ascii & 0x3F)};
    }
}
