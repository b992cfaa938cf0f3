package dev.duet.log;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Certifies, in one pass over the bytes and without building a tree, that an entry is exactly what
 * {@link EntryCodec#encode} would write for it: the members in canonical order, strings escaped as
 * RFC 8785 requires, integers in plain form, the time as {@code Instant.toString} prints it, and
 * every field valid as {@link EntryCodec#fromJson} requires. Such bytes hash to the committed value
 * without being re-encoded.
 *
 * <p>It is deliberately narrower than the codec: anything it is not sure of (fractions, exponents,
 * escapes of non-control characters, unusual years) makes it answer "not certified" and the caller
 * takes the full decode-and-re-encode path, so it can speed verification up but never accept what
 * the codec would refuse.
 *
 * <p>Two ways to use it: {@link #scanAt} returns the chain fields as values; an instance, reused
 * entry after entry by one thread, {@linkplain #certify certifies} without allocating and copies
 * the fields out on request, for a caller that scans a million entries and must not fill the heap
 * with them (a large export's fast path).
 */
public final class CanonicalEntryScanner {
    /** The fields the chain check needs, of an entry whose bytes are certified canonical; its bytes end (exclusive) at {@code end}. */
    public record Scanned(long seq, Sha256Hash prev, String subject, Sha256Hash subjectPrev, int end) {}

    private static final long MAX_SAFE = 1L << 53;
    private static final byte[] ACTOR = key("actor");
    private static final byte[] KIND = key("kind");
    private static final byte[] PAYLOAD = key("payload");
    private static final byte[] PREV = key("prev");
    private static final byte[] SEQ = key("seq");
    private static final byte[] SUBJECT = key("subject");
    private static final byte[] SUBJECT_PREV = key("subject_prev");
    private static final byte[] TIME = key("time");
    /** Bytes that stand for themselves inside a string: printable ASCII other than quote and backslash. */
    private static final boolean[] PLAIN = new boolean[256];
    /** Lowercase hex digits' values, -1 for every other byte. */
    private static final byte[] HEX = new byte[256];

    static {
        for (int c = 0x20; c < 0x80; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
        Arrays.fill(HEX, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX[c] = (byte) (c - 'a' + 10);
        }
    }

    /** Thrown (without a stack trace) for "not certified"; never escapes. */
    private static final class NotCertified extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final NotCertified INSTANCE = new NotCertified();

        private NotCertified() {
            super(null, null, false, false);
        }
    }

    private byte[] in;
    private int end;
    private int pos;
    /** The last certified entry's chain fields: its sequence number and hashes, and where its subject is in {@link #in}. */
    private long seq;
    private final byte[] prev = new byte[Sha256Hash.LENGTH];
    private int subjectFrom;
    private int subjectTo;
    private final byte[] subjectPrev = new byte[Sha256Hash.LENGTH];
    private int entryEnd;
    /** Whether the last {@link #certify} certified: the accessors refuse to answer for an entry that was not. */
    private boolean certified;

    /** A scanner for one thread to reuse; see {@link #certify}. */
    public CanonicalEntryScanner() {}

    private static byte[] key(String name) {
        return ("\"" + name + "\":").getBytes(StandardCharsets.US_ASCII);
    }

    /** The entry in {@code in[from, to)} if its bytes are certified canonical, else null. */
    public static Scanned scan(byte[] in, int from, int to) {
        Scanned scanned = scanAt(in, from, to);
        return scanned != null && scanned.end() == to ? scanned : null;
    }

    /**
     * The entry that starts at {@code from} and ends at or before {@code limit}, if its bytes are
     * certified canonical, else null; {@link Scanned#end} says where it ends. This finds an entry's
     * end in a stream of entries without a separate scan for it.
     */
    public static Scanned scanAt(byte[] in, int from, int limit) {
        CanonicalEntryScanner scanner = new CanonicalEntryScanner();
        if (!scanner.certify(in, from, limit)) {
            return null;
        }
        Sha256Hash prev = Sha256Hash.wrap(scanner.prev);
        return scanner.hasSubject()
                ? new Scanned(scanner.seq, prev, scanner.decode(scanner.subjectFrom, scanner.subjectTo), Sha256Hash.wrap(scanner.subjectPrev), scanner.entryEnd)
                : new Scanned(scanner.seq, prev, null, null, scanner.entryEnd);
    }

    /**
     * Whether the entry that starts at {@code from} and ends at or before {@code limit} is certified
     * canonical, as {@link #scanAt}; if it is, the accessors below describe it until the next
     * call (its subject as a place in {@code in}); if not, they throw. Allocates nothing.
     */
    public boolean certify(byte[] in, int from, int limit) {
        this.in = in;
        this.pos = from;
        this.end = limit;
        certified = false;
        try {
            entry();
            certified = true;
        } catch (NotCertified | IndexOutOfBoundsException e) {
            // Not certified: the accessors below refuse.
        }
        return certified;
    }

    /** Unchecked: reading the fields of an entry that was not certified is a caller's bug, and must not pass for a value. */
    private void requireCertified() {
        if (!certified) {
            throw new IllegalStateException("no certified entry: certify returned false or was not called");
        }
    }

    public long seq() {
        requireCertified();
        return seq;
    }

    /** Where the certified entry ends (exclusive). */
    public int entryEnd() {
        requireCertified();
        return entryEnd;
    }

    /** Writes the entry's {@code prev} into {@code out[at, at + 32)}. */
    public void prev(byte[] out, int at) {
        requireCertified();
        System.arraycopy(prev, 0, out, at, Sha256Hash.LENGTH);
    }

    public boolean hasSubject() {
        requireCertified();
        return subjectFrom >= 0;
    }

    /**
     * Where the subject's bytes are, between its quotes, as written. They are canonical, and
     * canonical JSON writes a string one way only: two subjects are equal exactly when these bytes are.
     */
    public int subjectFrom() {
        requireSubject();
        return subjectFrom;
    }

    public int subjectTo() {
        requireSubject();
        return subjectTo;
    }

    /** Writes the entry's {@code subject_prev} into {@code out[at, at + 32)}. */
    public void subjectPrev(byte[] out, int at) {
        requireSubject();
        System.arraycopy(subjectPrev, 0, out, at, Sha256Hash.LENGTH);
    }

    private void requireSubject() {
        if (!hasSubject()) {
            throw new IllegalStateException("the certified entry has no subject");
        }
    }

    private static NotCertified no() {
        return NotCertified.INSTANCE;
    }

    private int next() {
        if (pos >= end) {
            throw no();
        }
        return in[pos++] & 0xff;
    }

    private int peek() {
        if (pos >= end) {
            throw no();
        }
        return in[pos] & 0xff;
    }

    private void expect(int c) {
        if (next() != c) {
            throw no();
        }
    }

    private boolean startsWith(byte[] literal) {
        if (end - pos < literal.length) {
            return false;
        }
        for (int i = 0; i < literal.length; i++) {
            if (in[pos + i] != literal[i]) {
                return false;
            }
        }
        return true;
    }

    private void member(byte[] key) {
        if (!startsWith(key)) {
            throw no();
        }
        pos += key.length;
    }

    private void entry() {
        expect('{');
        member(ACTOR);
        string();
        expect(',');
        member(KIND);
        string();
        expect(',');
        member(PAYLOAD);
        if (peek() != '{') {
            throw no();
        }
        value(0);
        expect(',');
        member(PREV);
        hash(prev);
        expect(',');
        member(SEQ);
        seq = integer();
        if (seq < 0) {
            throw no();
        }
        expect(',');
        subjectFrom = -1;
        if (startsWith(SUBJECT)) {
            member(SUBJECT);
            int start = pos;
            string();
            subjectFrom = start + 1;
            subjectTo = pos - 1;
            expect(',');
            member(SUBJECT_PREV);
            hash(subjectPrev);
            expect(',');
        }
        member(TIME);
        time();
        expect('}');
        entryEnd = pos;
    }

    /** The value of a string already certified canonical, between its quotes. */
    private String decode(int from, int to) {
        byte[] bytes = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = in[i];
            if (b != '\\') {
                bytes[n++] = b;
                continue;
            }
            byte e = in[++i];
            bytes[n++] = switch (e) {
                case 'b' -> (byte) '\b';
                case 'f' -> (byte) '\f';
                case 'n' -> (byte) '\n';
                case 'r' -> (byte) '\r';
                case 't' -> (byte) '\t';
                case 'u' -> {
                    int code = hexDigit(in[i + 3]) << 4 | hexDigit(in[i + 4]);
                    i += 4;
                    yield (byte) code;
                }
                default -> e;
            };
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * A canonical JSON value inside {@code depth} containers of the payload; objects' members
     * strictly ascending in UTF-16 order; containers no deeper than the codec allows.
     */
    private void value(int depth) {
        int c = peek();
        if ((c == '{' || c == '[') && depth >= EntryCodec.MAX_PAYLOAD_DEPTH) {
            throw no();
        }
        switch (c) {
            case '{' -> {
                pos++;
                if (peek() == '}') {
                    pos++;
                    return;
                }
                int previousFrom = -1;
                int previousTo = -1;
                boolean previousPlain = false;
                while (true) {
                    int from = pos + 1;
                    boolean plain = string();
                    int to = pos - 1;
                    if (previousFrom >= 0 && !ascending(previousFrom, previousTo, previousPlain, from, to, plain)) {
                        throw no();
                    }
                    previousFrom = from;
                    previousTo = to;
                    previousPlain = plain;
                    expect(':');
                    value(depth + 1);
                    int after = next();
                    if (after == '}') {
                        return;
                    }
                    if (after != ',') {
                        throw no();
                    }
                }
            }
            case '[' -> {
                pos++;
                if (peek() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    value(depth + 1);
                    int after = next();
                    if (after == ']') {
                        return;
                    }
                    if (after != ',') {
                        throw no();
                    }
                }
            }
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> integer();
        }
    }

    /**
     * Whether member name {@code [aFrom, aTo)} sorts strictly before {@code [bFrom, bTo)} in UTF-16
     * order. Between plain names (ASCII, no escape) byte order is that order, so no string is built.
     */
    private boolean ascending(int aFrom, int aTo, boolean aPlain, int bFrom, int bTo, boolean bPlain) {
        if (aPlain && bPlain) {
            return Arrays.compareUnsigned(in, aFrom, aTo, in, bFrom, bTo) < 0;
        }
        return decode(aFrom, aTo).compareTo(decode(bFrom, bTo)) < 0;
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            expect(word.charAt(i));
        }
    }

    /** A canonical integer within ±2^53: no '+', no leading zeros, no "-0"; anything else is not certified. */
    private long integer() {
        boolean negative = peek() == '-';
        if (negative) {
            pos++;
        }
        int first = next();
        if (first < '0' || first > '9') {
            throw no();
        }
        long value = first - '0';
        if (first == '0') {
            if (negative || (pos < end && isDigit(peek()))) {
                throw no();
            }
        } else {
            while (pos < end && isDigit(peek())) {
                value = value * 10 + (next() - '0');
                if (value > MAX_SAFE) {
                    throw no();
                }
            }
        }
        if (pos < end && (peek() == '.' || peek() == 'e' || peek() == 'E')) {
            throw no();
        }
        return negative ? -value : value;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /**
     * A canonically escaped string; returns whether it is plain (ASCII without escapes). Escapes only for
     * quote, backslash and control characters (short forms where they exist, else the lowercase
     * six-character form); everything else as valid, shortest-form UTF-8 without surrogates. Its
     * bytes outnumber its characters, so a string of at most the codec's limit in bytes is within it.
     */
    private boolean string() {
        int start = pos;
        expect('"');
        boolean plain = true;
        while (true) {
            int p = pos;
            while (p < end && PLAIN[in[p] & 0xff]) {
                p++;
            }
            pos = p;
            int c = next();
            if (c == '"') {
                if (pos - start - 2 > EntryCodec.MAX_STRING_CHARS) {
                    throw no();
                }
                return plain;
            }
            if (c == '\\') {
                plain = false;
                int e = next();
                switch (e) {
                    case '"', '\\', 'b', 'f', 'n', 'r', 't' -> {
                        // The short forms JCS uses.
                    }
                    case 'u' -> {
                        if (next() != '0' || next() != '0') {
                            throw no();
                        }
                        int high = hexDigit(next());
                        int low = hexDigit(next());
                        int code = high << 4 | low;
                        if (high > 1 || code == '\b' || code == '\f' || code == '\n' || code == '\r' || code == '\t') {
                            throw no();
                        }
                    }
                    default -> throw no();
                }
            } else if (c < 0x20) {
                throw no();
            } else if (c >= 0x80) {
                plain = false;
                utf8(c);
            }
        }
    }

    private void utf8(int lead) {
        int extra;
        int min;
        int code;
        if (lead >= 0xC2 && lead <= 0xDF) {
            extra = 1;
            min = 0x80;
            code = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            extra = 2;
            min = 0x800;
            code = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            extra = 3;
            min = 0x10000;
            code = lead & 0x07;
        } else {
            throw no();
        }
        for (int i = 0; i < extra; i++) {
            int c = next();
            if ((c & 0xC0) != 0x80) {
                throw no();
            }
            code = code << 6 | (c & 0x3F);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            throw no();
        }
    }

    /** Lowercase hex only, as canonical output has. */
    private static int hexDigit(int c) {
        int value = HEX[c & 0xff];
        if (value < 0) {
            throw no();
        }
        return value;
    }

    /** A quoted hash in lowercase hex, decoded into {@code into} in the same pass that checks its digits. */
    private void hash(byte[] into) {
        int from = pos;
        if (end - from < 2 * Sha256Hash.LENGTH + 2 || in[from] != '"' || in[from + 2 * Sha256Hash.LENGTH + 1] != '"') {
            throw no();
        }
        int at = from + 1;
        int invalid = 0;
        for (int i = 0; i < Sha256Hash.LENGTH; i++, at += 2) {
            int high = HEX[in[at] & 0xff];
            int low = HEX[in[at + 1] & 0xff];
            invalid |= high | low;
            into[i] = (byte) (high << 4 | low);
        }
        // A -1 anywhere sets the sign bit of the accumulated OR: one test for all 64 digits.
        if (invalid < 0) {
            throw no();
        }
        pos = from + 2 * Sha256Hash.LENGTH + 2;
    }

    /**
     * The time exactly as {@code Instant.toString} prints it for years 0000-9999:
     * {@code yyyy-MM-ddTHH:mm:ss[.SSS[SSS[SSS]]]Z}, the fraction in groups of three, its last group
     * not zero, and a valid date (no leap seconds: an Instant never prints :60).
     */
    private void time() {
        expect('"');
        int year = digits(4);
        expect('-');
        int month = digits(2);
        expect('-');
        int day = digits(2);
        expect('T');
        int hour = digits(2);
        expect(':');
        int minute = digits(2);
        expect(':');
        int second = digits(2);
        if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
            throw no();
        }
        if (peek() == '.') {
            pos++;
            int groups = 0;
            int lastGroup;
            do {
                lastGroup = digits(3);
                groups++;
            } while (groups < 3 && isDigit(peek()));
            if (lastGroup == 0) {
                throw no();
            }
        }
        expect('Z');
        expect('"');
    }

    private int digits(int count) {
        int value = 0;
        for (int i = 0; i < count; i++) {
            int c = next();
            if (!isDigit(c)) {
                throw no();
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }
}
