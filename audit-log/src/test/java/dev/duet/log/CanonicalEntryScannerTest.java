package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scanner never certifies bytes the codec would not produce: on random entries and on every
 * kind of random damage to them, whatever it certifies decodes strictly (EntryCodec.decode, which
 * re-encodes and compares) to the same fields.
 */
class CanonicalEntryScannerTest {
    private static LogEntry randomEntry(Random r) {
        ObjectNode payload = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        for (int i = r.nextInt(4); i > 0; i--) {
            payload.set(CanonicalJsonTest.randomString(r), CanonicalJsonTest.randomTree(r, 1));
        }
        byte[] prev = new byte[32];
        r.nextBytes(prev);
        byte[] subjectPrev = new byte[32];
        r.nextBytes(subjectPrev);
        boolean subject = r.nextBoolean();
        long millis = 1_700_000_000_000L + r.nextInt(1_000_000_000);
        Instant time = Instant.ofEpochMilli(millis).plusNanos(r.nextInt(4) == 0 ? r.nextInt(1_000_000) : 0);
        return new LogEntry(r.nextInt(1_000_000), time,
                subject ? Optional.of("cvm-" + CanonicalJsonTest.randomString(r)) : Optional.empty(),
                CanonicalJsonTest.randomString(r), "kind." + r.nextInt(10), EntryCodec.canonical(payload), Sha256Hash.wrap(prev),
                subject ? Optional.of(Sha256Hash.wrap(subjectPrev)) : Optional.empty());
    }

    private static CanonicalEntryScanner.Scanned scan(byte[] bytes) {
        byte[] framed = new byte[bytes.length + 4];
        System.arraycopy(bytes, 0, framed, 2, bytes.length);
        return CanonicalEntryScanner.scan(framed, 2, 2 + bytes.length);
    }

    private static void assertAgrees(byte[] bytes, CanonicalEntryScanner.Scanned scanned) throws MalformedEntryException {
        LogEntry decoded = EntryCodec.decode(bytes);
        assertThat(scanned.seq()).isEqualTo(decoded.seq());
        assertThat(scanned.prev()).isEqualTo(decoded.prev());
        assertThat(Optional.ofNullable(scanned.subject())).isEqualTo(decoded.subject());
        assertThat(Optional.ofNullable(scanned.subjectPrev())).isEqualTo(decoded.subjectPrev());
    }

    @Test
    void certifiesWhatTheCodecWritesUnlessItHoldsNumbersItDoesNotHandle() throws Exception {
        Random r = new Random(9162);
        int certified = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = EntryCodec.encode(randomEntry(r));
            CanonicalEntryScanner.Scanned scanned = scan(bytes);
            String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            if (scanned == null) {
                assertThat(text).as("only fractions, exponents or unsafe integers may go to the slow path")
                        .containsAnyOf(".", "E", "9223372036854775");
                continue;
            }
            certified++;
            assertAgrees(bytes, scanned);
        }
        assertThat(certified).isGreaterThan(4_000);
    }

    @Test
    void neverCertifiesDamagedBytesTheCodecWouldRefuse() throws Exception {
        Random r = new Random(8785);
        int certifiedMutants = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = EntryCodec.encode(randomEntry(r));
            byte[] mutant = switch (r.nextInt(4)) {
                case 0 -> {
                    byte[] m = bytes.clone();
                    m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                    yield m;
                }
                case 1 -> {
                    byte[] m = bytes.clone();
                    String alphabet = " \t\n\"\\/,:{}[]0-.eEuZT+";
                    m[r.nextInt(m.length)] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
                    yield m;
                }
                case 2 -> {
                    int at = r.nextInt(bytes.length);
                    byte[] m = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, m, 0, at);
                    System.arraycopy(bytes, at + 1, m, at, bytes.length - at - 1);
                    yield m;
                }
                default -> {
                    int at = r.nextInt(bytes.length + 1);
                    byte[] m = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, m, 0, at);
                    m[at] = (byte) " 0\"\\a,".charAt(r.nextInt(6));
                    System.arraycopy(bytes, at, m, at + 1, bytes.length - at);
                    yield m;
                }
            };
            CanonicalEntryScanner.Scanned scanned = scan(mutant);
            if (scanned != null) {
                certifiedMutants++;
                assertAgrees(mutant, scanned);
            }
        }
        assertThat(certifiedMutants).as("some damage yields other valid entries; those must agree too").isPositive();
    }

    @Test
    void specificNonCanonicalFormsAreNotCertified() {
        String good = "{\"actor\":\"a\",\"kind\":\"k\",\"payload\":{\"x\":1},\"prev\":\"" + "0".repeat(64) + "\",\"seq\":0,"
                + "\"time\":\"2026-11-23T07:12:00Z\"}";
        assertThat(scan(good.getBytes())).isNotNull();
        for (String bad : new String[] {
            good.replace("{\"x\":1}", "{\"x\":01}"), good.replace("{\"x\":1}", "{\"x\":-0}"),
            good.replace("{\"x\":1}", "{\"x\":1.0}"), good.replace("{\"x\":1}", "{\"y\":1,\"x\":2}"),
            good.replace("{\"x\":1}", "{\"x\":1,\"x\":1}"), good.replace("{\"x\":1}", "{\"x\":\"\\/\"}"),
            good.replace("{\"x\":1}", "{\"x\":\"\\u000a\"}"), good.replace("{\"x\":1}", "{\"x\":\"\\u0041\"}"),
            good.replace("{\"x\":1}", "{\"x\":\"\\u001F\"}"), good.replace("{\"x\":1}", "{ \"x\":1}"),
            good.replace("07:12:00Z", "07:12:00.000Z"), good.replace("07:12:00Z", "07:12:00.100000Z"),
            good.replace("07:12:00Z", "07:12:60Z"), good.replace("2026-11-23", "2026-02-30"),
            good.replace("0".repeat(64), "0".repeat(63) + "A"), good.replace("\"seq\":0", "\"seq\":-1"),
            good.replace("\"actor\":\"a\",", ""), good.replace("}", "} "), good.replace("\"k\"", "\"k\u0001\"")}) {
            assertThat(scan(bad.getBytes(java.nio.charset.StandardCharsets.UTF_8))).as(bad).isNull();
        }
    }

    @Test
    void inAStreamOfEntriesItFindsWhereEachEndsAndNeverCertifiesAPartOfOne() throws Exception {
        Random r = new Random(1952);
        for (int i = 0; i < 300; i++) {
            byte[] first = EntryCodec.encode(randomEntry(r));
            byte[] second = EntryCodec.encode(randomEntry(r));
            byte[] stream = new byte[first.length + 1 + second.length];
            System.arraycopy(first, 0, stream, 0, first.length);
            stream[first.length] = ',';
            System.arraycopy(second, 0, stream, first.length + 1, second.length);
            CanonicalEntryScanner.Scanned whole = CanonicalEntryScanner.scan(first, 0, first.length);
            CanonicalEntryScanner.Scanned inStream = CanonicalEntryScanner.scanAt(stream, 0, stream.length);
            assertThat(inStream).isEqualTo(whole);
            if (whole == null) {
                continue;
            }
            assertThat(whole.end()).isEqualTo(first.length);
            CanonicalEntryScanner.Scanned next = CanonicalEntryScanner.scanAt(stream, first.length + 1, stream.length);
            assertThat(next == null ? null : next.end()).isEqualTo(CanonicalEntryScanner.scan(second, 0, second.length) == null ? null : stream.length);
            for (int cut = 0; cut < first.length; cut++) {
                assertThat(CanonicalEntryScanner.scanAt(stream, 0, cut)).as("the first %d bytes", cut).isNull();
            }
        }
    }

    /**
     * One reused scanner, as the export fast path runs it, certifies what a fresh one does and tells
     * the fields the codec decodes, entry after entry, with and without a subject and after entries it
     * refused; for a refused entry, or a subject that is not there, it answers nothing at all.
     */
    @Test
    void aReusedScannerTellsWhatTheCodecDecodesEntryAfterEntry() throws Exception {
        Random r = new Random(6962);
        CanonicalEntryScanner reused = new CanonicalEntryScanner();
        int certified = 0;
        int refused = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] bytes = EntryCodec.encode(randomEntry(r));
            if (r.nextInt(5) == 0) {
                bytes[r.nextInt(bytes.length)] ^= (byte) (1 << r.nextInt(8));
            }
            byte[] framed = new byte[bytes.length + 7];
            System.arraycopy(bytes, 0, framed, 3, bytes.length);
            CanonicalEntryScanner.Scanned fresh = CanonicalEntryScanner.scanAt(framed, 3, framed.length);
            boolean ok = reused.certify(framed, 3, framed.length);
            assertThat(ok).isEqualTo(fresh != null);
            if (!ok) {
                refused++;
                assertThatThrownBy(reused::seq).as("nothing of an earlier entry is told for a refused one").isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> reused.prev(new byte[32], 0)).isInstanceOf(IllegalStateException.class);
                continue;
            }
            certified++;
            // What the codec decodes, not what the scanner's other form says: both forms share certify.
            LogEntry decoded = EntryCodec.decode(bytes);
            byte[] hashes = new byte[70];
            reused.prev(hashes, 1);
            assertThat(reused.seq()).isEqualTo(decoded.seq());
            assertThat(reused.entryEnd()).isEqualTo(fresh.end()).isEqualTo(3 + bytes.length);
            assertThat(Arrays.copyOfRange(hashes, 1, 33)).isEqualTo(decoded.prev().toByteArray());
            assertThat(reused.hasSubject()).isEqualTo(decoded.subject().isPresent());
            if (!reused.hasSubject()) {
                assertThatThrownBy(reused::subjectFrom).isInstanceOf(IllegalStateException.class);
            } else {
                reused.subjectPrev(hashes, 37);
                assertThat(Arrays.copyOfRange(hashes, 37, 69)).isEqualTo(decoded.subjectPrev().orElseThrow().toByteArray());
                String written = new String(framed, reused.subjectFrom(), reused.subjectTo() - reused.subjectFrom(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(EntryCodec.canonical(new com.fasterxml.jackson.databind.node.TextNode(decoded.subject().orElseThrow())))
                        .as("the subject's bytes are its canonical JSON string without the quotes").isEqualTo("\"" + written + "\"");
            }
        }
        assertThat(certified).isGreaterThan(1_000);
        assertThat(refused).isGreaterThan(100);
    }
}
