package dev.duet.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.duet.log.CanonicalEntryScanner;
import dev.duet.log.ChainChecker;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.SignedNote;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fast path of export verification, for exports as {@code duet log export} writes them
 * ({@code {"checkpoint": …, "entries": […]}}, entries compact): the file is memory-mapped to find
 * where things are, and read in windows of about {@value #WINDOW} bytes; on a worker, each window's entries are
 * certified canonical by {@link CanonicalEntryScanner} one after the other (which also finds where
 * each ends) and hashed; the chain and the tree are checked in order on this thread. No JSON tree
 * and no re-encoding. It answers only "intact"; anything else (a layout it does not expect, an entry
 * it does not certify, a break, a mismatch) is empty and the caller runs the full path, which names
 * the problem. A worker that fails is not such a case: it is {@link LogExportVerifier.CouldNotVerify},
 * since the entries it held were never checked. The map lives outside the heap; what the heap holds
 * is bounded by the windows in flight (a window is larger than {@value #WINDOW} bytes only to hold
 * one entry that is). Nothing is allocated per entry but a subject's first (its key and head): a
 * window's buffer and result arrays are reused for a later window. Per-entry objects made a fresh
 * JVM touch several hundred megabytes of new heap for a large export, and on a machine where a page
 * fault costs microseconds that first touch was most of the verification's time
 * (docs/performance.md, item 4).
 *
 * <p>Where a window ends is guessed, so that this thread need not scan every byte for entry
 * boundaries: at the last {@code ,{"actor":"} in it, which is where an entry starts unless a
 * payload holds the same bytes. The guess is only a guess: the worker parses the window's entries
 * from its start, a true boundary, and the window counts only if its last entry ends exactly
 * there. If not, the entries it did parse stand, everything sent out after it is dropped, and the
 * next window is cut after a scan for its true last boundary. So where the layout seems to break off
 * after a cut, the answer waits for the windows sent out before it: one of them may show the cut wrong.
 */
final class FastExport {
    private static final int WINDOW = 1 << 20;
    private static final int IN_FLIGHT = 4;
    /**
     * The largest entry this path reads into one array: over ten times the largest the controller
     * writes (a command's base64 output, under 1.4 million characters). A larger one goes to the
     * full path, which streams it and refuses what is beyond the format, rather than asking the heap
     * for an array as large as the file would have it (and answering "could not verify" for a
     * verdict when the heap is smaller).
     */
    private static final int MAX_ENTRY = 16 << 20;
    /**
     * The longest checkpoint string this path reads: {@link SignedNote#MAX_CHARS} characters at six
     * bytes each (the longest JSON escape) and the quotes. A longer one is not a note
     * {@link SignedNote#parse} takes, and the full path says so.
     */
    private static final int MAX_NOTE_JSON = 6 * SignedNote.MAX_CHARS + 2;
    private static final byte[] CHECKPOINT = "\"checkpoint\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENTRIES = "\"entries\"".getBytes(StandardCharsets.US_ASCII);
    /** How an entry after another starts in a compact export: what a window's end is guessed at. */
    private static final byte[] NEXT_ENTRY = ",{\"actor\":\"".getBytes(StandardCharsets.US_ASCII);

    private FastExport() {}

    private static final int HASH = Sha256Hash.LENGTH;

    /**
     * A window of entries and what a worker found in them. Mutable, unlike the rest of the code, so
     * that it can be reused: once the checks have read a window's results, the same arrays take a
     * later window. This thread fills the window before it is submitted and reads the results after
     * the worker's future is done, which orders the two threads' accesses.
     */
    private static final class Slot {
        final CanonicalEntryScanner scanner = new CanonicalEntryScanner();
        /** The entries read from the file: {@code bytes[0, length)}, from an entry's start to where the window was cut. */
        byte[] bytes = new byte[0];
        int start;
        int length;
        boolean guessed;
        /** The worker's answer: the first {@code count} entries certified; with {@code whole} they fill the window exactly, else the next starts at {@code stoppedAt}. */
        int count;
        boolean whole;
        int stoppedAt;
        /** Entry i's fields: its sequence number; its hash, leaf hash, prev and subject_prev at {@code i * 32}; its subject at {@code bytes[subjectFrom[i], subjectTo[i])}, from -1 without one. */
        long[] seq = new long[0];
        byte[] hash = new byte[0];
        byte[] leaf = new byte[0];
        byte[] prev = new byte[0];
        byte[] subjectPrev = new byte[0];
        int[] subjectFrom = new int[0];
        int[] subjectTo = new int[0];

        void ensureRoomFor(int entries) {
            if (entries <= seq.length) {
                return;
            }
            int capacity = Math.max(entries, Math.max(1_024, 2 * seq.length));
            seq = Arrays.copyOf(seq, capacity);
            hash = Arrays.copyOf(hash, capacity * HASH);
            leaf = Arrays.copyOf(leaf, capacity * HASH);
            prev = Arrays.copyOf(prev, capacity * HASH);
            subjectPrev = Arrays.copyOf(subjectPrev, capacity * HASH);
            subjectFrom = Arrays.copyOf(subjectFrom, capacity);
            subjectTo = Arrays.copyOf(subjectTo, capacity);
        }

        Slot answer(boolean whole, int stoppedAt) {
            this.whole = whole;
            this.stoppedAt = stoppedAt;
            return this;
        }
    }

    static Optional<LogExportVerifier.Verdict> verify(Path file, Ed25519PublicKey controllerKey) throws IOException, LogExportVerifier.CouldNotVerify {
        return verify(file, controllerKey, WINDOW);
    }

    /** With windows of {@code window} bytes: tests use small ones to make guesses miss. */
    static Optional<LogExportVerifier.Verdict> verify(Path file, Ed25519PublicKey controllerKey, int window)
            throws IOException, LogExportVerifier.CouldNotVerify {
        return verify(file, controllerKey, window, MAX_ENTRY);
    }

    /** With entries of at most {@code maxEntry} bytes read whole: tests use a small bound to reach it cheaply. */
    static Optional<LogExportVerifier.Verdict> verify(Path file, Ed25519PublicKey controllerKey, int window, int maxEntry)
            throws IOException, LogExportVerifier.CouldNotVerify {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 16) {
                return Optional.empty();
            }
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new Run(map, channel, (int) size, window, maxEntry).verify(controllerKey);
        }
    }

    private static final class Run {
        private final ByteBuffer in;
        private final FileChannel file;
        private final int end;
        private final int window;
        private final int maxEntry;
        private int pos;

        Run(ByteBuffer in, FileChannel file, int end, int window, int maxEntry) {
            this.in = in;
            this.file = file;
            this.end = end;
            this.window = window;
            this.maxEntry = maxEntry;
        }

        /** The end of the map, or {@code from + length} if that comes first: how far a search from {@code from} may look. */
        private int limit(int from, int length) {
            return (int) Math.min(end, (long) from + length);
        }

        private int at(int i) {
            return in.get(i) & 0xff;
        }

        private void skipSpace() {
            while (pos < end && (at(pos) == ' ' || at(pos) == '\n' || at(pos) == '\r' || at(pos) == '\t')) {
                pos++;
            }
        }

        private boolean take(int c) {
            skipSpace();
            if (pos < end && at(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        private boolean take(byte[] literal) {
            skipSpace();
            if (end - pos < literal.length) {
                return false;
            }
            for (int i = 0; i < literal.length; i++) {
                if (in.get(pos + i) != literal[i]) {
                    return false;
                }
            }
            pos += literal.length;
            return true;
        }

        /** The end (exclusive) of the JSON string starting at {@code from}, or -1 if it does not end before {@code limit}. */
        private int stringEnd(int from, int limit) {
            int i = from + 1;
            while (i < limit) {
                int c = at(i);
                if (c == '"') {
                    return i + 1;
                }
                i += c == '\\' ? 2 : 1;
            }
            return -1;
        }

        /** The end (exclusive) of the object starting at {@code from} in the map, or -1 if it does not end before {@code limit}. */
        private int objectEnd(int from, int limit) {
            int depth = 0;
            int i = from;
            while (i < limit) {
                int c = at(i);
                if (c == '"') {
                    i = stringEnd(i, limit);
                    if (i < 0) {
                        return -1;
                    }
                    continue;
                }
                if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) {
                        return i + 1;
                    }
                }
                i++;
            }
            return -1;
        }

        Optional<LogExportVerifier.Verdict> verify(Ed25519PublicKey controllerKey) throws IOException, LogExportVerifier.CouldNotVerify {
            if (!take('{') || !take(CHECKPOINT) || !take(':')) {
                return Optional.empty();
            }
            skipSpace();
            int noteEnd = pos < end && at(pos) == '"' ? stringEnd(pos, limit(pos, MAX_NOTE_JSON)) : -1;
            if (noteEnd < 0) {
                return Optional.empty();
            }
            byte[] noteJson = new byte[noteEnd - pos];
            in.get(pos, noteJson);
            pos = noteEnd;
            if (!take(',') || !take(ENTRIES) || !take(':') || !take('[')) {
                return Optional.empty();
            }
            ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                Thread thread = new Thread(r, "duet-export-hash");
                thread.setDaemon(true);
                return thread;
            });
            try {
                // The checkpoint's signature is checked on a worker while this thread cuts the first
                // windows: nothing else waits for it, and before it the workers would sit idle.
                Future<Optional<Checkpoint>> checkpoint = workers.submit(
                        () -> note(noteJson).flatMap(note -> LogExportVerifier.checkpoint(note, controllerKey)));
                Optional<MerkleFrontier> tree = entries(workers, checkpoint);
                if (tree.isEmpty() || !take('}')) {
                    return Optional.empty();
                }
                skipSpace();
                Optional<Checkpoint> signed = outcome(checkpoint);
                if (pos != end || signed.isEmpty() || tree.get().size() != signed.get().size() || !tree.get().root().equals(signed.get().root())) {
                    return Optional.empty();
                }
                return Optional.of(LogExportVerifier.intact(signed.get()));
            } finally {
                workers.shutdownNow();
            }
        }

        /**
         * The JSON string's value, empty if it is not one (the full path says why); jackson-core
         * alone reads it, without the thousand classes an object mapper loads, from text decoded
         * by {@link StrictUtf8} as the full path's is.
         */
        private static Optional<String> note(byte[] json) throws IOException {
            String text;
            try {
                text = StrictUtf8.decode(json);
            } catch (CharacterCodingException e) {
                return Optional.empty();
            }
            try (JsonParser parser = new JsonFactory().createParser(text)) {
                return parser.nextToken() == JsonToken.VALUE_STRING ? Optional.of(parser.getText()) : Optional.empty();
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        }

        /**
         * Checks every entry and returns the tree, or empty at the first thing the fast path does
         * not accept (a {@code checkpoint} found unsigned while the entries are read among them), or
         * where the layout breaks off once the windows sent out before it have shown no wrong cut.
         */
        private Optional<MerkleFrontier> entries(ExecutorService workers, Future<Optional<Checkpoint>> checkpoint)
                throws IOException, LogExportVerifier.CouldNotVerify {
            Deque<Future<Slot>> pending = new ArrayDeque<>();
            Deque<Slot> free = new ArrayDeque<>();
            Checks checks = new Checks();
            boolean more = !take(']');
            boolean guess = true;
            // The layout broke off where the windows were cut: a verdict only once the windows sent
            // out before that have been checked, since one of them may show that it was cut at a wrong guess.
            boolean brokeOff = false;
            while (more || !pending.isEmpty()) {
                while (more && pending.size() < IN_FLIGHT) {
                    skipSpace();
                    Slot next = free.isEmpty() ? new Slot() : free.pop();
                    if (!window(guess, next)) {
                        more = false;
                        brokeOff = true;
                        break;
                    }
                    guess = true;
                    pending.add(workers.submit(() -> work(next)));
                    if (take(']')) {
                        more = false;
                    } else if (!take(',')) {
                        more = false;
                        brokeOff = true;
                    }
                }
                if (pending.isEmpty()) {
                    // The layout broke off with nothing left that could show a guess wrong.
                    break;
                }
                Slot done = outcome(pending.removeFirst());
                if (checkpoint.isDone() && outcome(checkpoint).isEmpty() || !checks.accept(done)) {
                    return Optional.empty();
                }
                if (!done.whole) {
                    if (!done.guessed) {
                        return Optional.empty();
                    }
                    // The guess fell inside an entry: whatever was sent out after it started in the wrong place.
                    // Those slots are not reused: a cancelled worker may still be writing to one.
                    pending.forEach(dropped -> dropped.cancel(true));
                    pending.clear();
                    pos = done.start + done.stoppedAt;
                    more = true;
                    guess = false;
                    brokeOff = false;
                }
                if (done.bytes.length > window) {
                    // It held an entry larger than a window: reused, it would keep that much for the rest of the run.
                    done.bytes = new byte[0];
                }
                free.push(done);
            }
            return brokeOff ? Optional.empty() : Optional.of(checks.tree);
        }

        /**
         * {@code bytes[0, length)} from the file at {@code from}: a positional read rather than a
         * copy out of the map, which measured slower in a fresh JVM (docs/performance.md, item 4).
         */
        private void read(int from, byte[] bytes, int length) throws IOException {
            ByteBuffer into = ByteBuffer.wrap(bytes, 0, length);
            while (into.hasRemaining()) {
                if (file.read(into, from + into.position()) < 0) {
                    throw new EOFException("the export ended while it was read: it is being changed");
                }
            }
        }

        private static <T> T outcome(Future<T> worked) throws LogExportVerifier.CouldNotVerify {
            try {
                return worked.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LogExportVerifier.CouldNotVerify("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                throw LogExportVerifier.CouldNotVerify.of(e.getCause());
            }
        }

        /**
         * The entries from {@code pos} on, read in one piece of about {@link #window} bytes (more
         * only for an entry larger than that): scanning and hashing a heap array is several times
         * faster than reading the map a byte at a time. The window is
         * cut where the last entry in it is guessed to start or, without {@code guess}, at the end
         * of the last whole object in it; the file's last window is always cut at its last whole object.
         * Fills {@code slot} and leaves {@code pos} at the cut; false if the first entry is not a whole object.
         */
        private boolean window(boolean guess, Slot slot) throws IOException {
            int start = pos;
            int size = window;
            while (true) {
                int length = Math.min(size, end - pos);
                boolean toEnd = length == end - pos;
                if (slot.bytes.length < length) {
                    slot.bytes = new byte[length];
                }
                byte[] bytes = slot.bytes;
                read(pos, bytes, length);
                int cut = guess && !toEnd ? lastIndexOf(bytes, length, NEXT_ENTRY) : -1;
                slot.guessed = cut > 0;
                if (cut <= 0) {
                    cut = wholeObjects(bytes, length);
                }
                if (cut > 0) {
                    pos += cut;
                    slot.start = start;
                    slot.length = cut;
                    return true;
                }
                // The first entry does not end in the window: find its end in the map, so that no more is read than it.
                int stop = toEnd || at(pos) != '{' ? -1 : objectEnd(pos, limit(pos, maxEntry));
                if (stop < 0) {
                    return false;
                }
                size = stop - pos;
            }
        }
    }

    /** The end of the last of the whole objects, separated by commas, at the start of {@code bytes[0, length)}; 0 if none. */
    private static int wholeObjects(byte[] bytes, int length) {
        int i = 0;
        int whole = 0;
        while (true) {
            int k = i;
            if (whole > 0) {
                k = skipSpaceIn(bytes, k, length);
                if (k >= length || bytes[k] != ',') {
                    return whole;
                }
                k = skipSpaceIn(bytes, k + 1, length);
            }
            int stop = k < length && bytes[k] == '{' ? objectEndIn(bytes, k, length) : -1;
            if (stop < 0) {
                return whole;
            }
            whole = stop;
            i = stop;
        }
    }

    private static int lastIndexOf(byte[] bytes, int length, byte[] literal) {
        for (int i = length - literal.length; i > 0; i--) {
            if (Arrays.equals(bytes, i, i + literal.length, literal, 0, literal.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Certifies and hashes the window's entries in order, from its start, as far as they go. */
    private static Slot work(Slot slot) {
        MessageDigest digest = Sha256Hash.digest();
        CanonicalEntryScanner scanner = slot.scanner;
        byte[] bytes = slot.bytes;
        int length = slot.length;
        slot.count = 0;
        int at = 0;
        while (true) {
            // A window dropped after a missed guess is cancelled: its worker stops rather than finishing for nothing.
            if (Thread.currentThread().isInterrupted() || !scanner.certify(bytes, at, length)) {
                return slot.answer(false, at);
            }
            int n = slot.count;
            slot.ensureRoomFor(n + 1);
            int entryEnd = scanner.entryEnd();
            slot.seq[n] = scanner.seq();
            digest.update(bytes, at, entryEnd - at);
            Sha256Hash.digestInto(digest, slot.hash, n * HASH);
            digest.update((byte) 0);
            digest.update(bytes, at, entryEnd - at);
            Sha256Hash.digestInto(digest, slot.leaf, n * HASH);
            scanner.prev(slot.prev, n * HASH);
            if (scanner.hasSubject()) {
                slot.subjectFrom[n] = scanner.subjectFrom();
                slot.subjectTo[n] = scanner.subjectTo();
                scanner.subjectPrev(slot.subjectPrev, n * HASH);
            } else {
                slot.subjectFrom[n] = -1;
            }
            slot.count = n + 1;
            int next = skipSpaceIn(bytes, entryEnd, length);
            if (next == length) {
                return slot.answer(true, length);
            }
            if (bytes[next] != ',') {
                return slot.answer(false, next);
            }
            at = skipSpaceIn(bytes, next + 1, length);
        }
    }

    private static int skipSpaceIn(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The end (exclusive) of the JSON string starting at {@code from}, or -1 if it does not end before {@code to}. */
    private static int stringEndIn(byte[] bytes, int from, int to) {
        int i = from + 1;
        while (i < to) {
            byte c = bytes[i];
            if (c == '"') {
                return i + 1;
            }
            i += c == '\\' ? 2 : 1;
        }
        return -1;
    }

    /** The end (exclusive) of the object starting at {@code from}, or -1 if it does not end before {@code to}. */
    private static int objectEndIn(byte[] bytes, int from, int to) {
        int depth = 0;
        int i = from;
        while (i < to) {
            byte c = bytes[i];
            if (c == '"') {
                i = stringEndIn(bytes, i, to);
                if (i < 0) {
                    return -1;
                }
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    return i + 1;
                }
            }
            i++;
        }
        return -1;
    }

    /**
     * The chain rules of {@link ChainChecker}, which the full path applies (entry i has sequence
     * number i, its prev is the hash of entry i-1, its subject_prev the hash of its subject's
     * previous entry), on a window's arrays; and the tree. Allocates only for a subject's first entry.
     */
    private static final class Checks {
        final MerkleFrontier tree = new MerkleFrontier();
        private final byte[] head = new byte[HASH];
        private long next;
        private final Map<Subject, byte[]> subjectHeads = new HashMap<>();
        private final Subject probe = new Subject();

        /** Whether the slot's entries continue the chain; the tree takes each that does. */
        boolean accept(Slot slot) {
            for (int i = 0; i < slot.count; i++) {
                int at = i * HASH;
                if (slot.seq[i] != next || !Arrays.equals(slot.prev, at, at + HASH, head, 0, HASH)) {
                    return false;
                }
                if (slot.subjectFrom[i] >= 0) {
                    byte[] subjectHead = subjectHeads.get(probe.of(slot.bytes, slot.subjectFrom[i], slot.subjectTo[i]));
                    if (subjectHead == null) {
                        subjectHead = new byte[HASH];
                        subjectHeads.put(probe.copy(), subjectHead);
                    }
                    if (!Arrays.equals(slot.subjectPrev, at, at + HASH, subjectHead, 0, HASH)) {
                        return false;
                    }
                    System.arraycopy(slot.hash, at, subjectHead, 0, HASH);
                }
                System.arraycopy(slot.hash, at, head, 0, HASH);
                next++;
                tree.append(slot.leaf, at);
            }
            return true;
        }
    }

    /**
     * A subject's bytes as written, {@code bytes[from, to)}, as a map key: they are canonical, so
     * equal bytes are equal subjects. One instance is re-aimed at each entry's subject to look it up
     * without allocating; only {@link #copy}s are stored. Comparable, so that keys whose hash codes
     * collide cost the map log n, not n.
     */
    private static final class Subject implements Comparable<Subject> {
        private byte[] bytes;
        private int from;
        private int to;
        private int hash;

        Subject of(byte[] bytes, int from, int to) {
            this.bytes = bytes;
            this.from = from;
            this.to = to;
            int h = 1;
            for (int i = from; i < to; i++) {
                h = 31 * h + bytes[i];
            }
            this.hash = h;
            return this;
        }

        Subject copy() {
            return new Subject().of(Arrays.copyOfRange(bytes, from, to), 0, to - from);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Subject other && Arrays.equals(bytes, from, to, other.bytes, other.from, other.to);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public int compareTo(Subject other) {
            return Arrays.compareUnsigned(bytes, from, to, other.bytes, other.from, other.to);
        }
    }
}
