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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fast path of export verification, for exports as {@code duet log export} writes them
 * ({@code {"checkpoint": …, "entries": […]}}, entries compact): the file is memory-mapped and
 * copied out in windows of about {@value #WINDOW} bytes; on a worker, each window's entries are
 * certified canonical by {@link CanonicalEntryScanner} one after the other (which also finds where
 * each ends) and hashed; the chain and the tree are checked in order on this thread. No JSON tree
 * and no re-encoding. It answers only "intact"; anything else (a layout it does not expect, an entry
 * it does not certify, a break, a mismatch) is empty and the caller runs the full path, which names
 * the problem. A worker that fails is not such a case: it is {@link LogExportVerifier.CouldNotVerify},
 * since the entries it held were never checked. The map lives outside the heap; what the heap holds
 * is bounded by the windows in flight (a window is larger than {@value #WINDOW} bytes only to hold
 * one entry that is).
 *
 * <p>Where a window ends is guessed, so that this thread need not scan every byte for entry
 * boundaries: at the last {@code ,{"actor":"} in it, which is where an entry starts unless a
 * payload holds the same bytes. The guess is only a guess: the worker parses the window's entries
 * from its start, a true boundary, and the window counts only if its last entry ends exactly
 * there. If not, the entries it did parse stand, everything sent out after it is dropped, and the
 * next window is cut after a scan for its true last boundary.
 */
final class FastExport {
    private static final int WINDOW = 1 << 20;
    private static final int IN_FLIGHT = 4;
    private static final byte[] CHECKPOINT = "\"checkpoint\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] ENTRIES = "\"entries\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** How an entry after another starts in a compact export: what a window's end is guessed at. */
    private static final byte[] NEXT_ENTRY = ",{\"actor\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private FastExport() {}

    /** One certified entry after the parallel stage. */
    private record Hashed(CanonicalEntryScanner.Scanned fields, Sha256Hash hash, Sha256Hash leaf) {}

    /** Entries copied out of the map: {@code bytes[0, length)}, from an entry's start to where the window was cut. */
    private record Window(int start, byte[] bytes, int length, boolean guessed) {}

    /**
     * A worker's answer for a window: its first {@code count} entries, certified and hashed; with
     * {@code whole}, they fill the window exactly, else the next entry starts at {@code stoppedAt}.
     */
    private record Worked(Hashed[] entries, int count, boolean whole, int stoppedAt) {}

    /** A window sent to a worker. */
    private record Pending(Window window, Future<Worked> worked) {}

    static Optional<LogExportVerifier.Verdict> verify(Path file, Ed25519PublicKey controllerKey) throws IOException, LogExportVerifier.CouldNotVerify {
        return verify(file, controllerKey, WINDOW);
    }

    /** With windows of {@code window} bytes: tests use small ones to make guesses miss. */
    static Optional<LogExportVerifier.Verdict> verify(Path file, Ed25519PublicKey controllerKey, int window)
            throws IOException, LogExportVerifier.CouldNotVerify {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 16) {
                return Optional.empty();
            }
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new Run(map, (int) size, window).verify(controllerKey);
        }
    }

    private static final class Run {
        private final ByteBuffer in;
        private final int end;
        private final int window;
        private int pos;

        Run(ByteBuffer in, int end, int window) {
            this.in = in;
            this.end = end;
            this.window = window;
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

        /** The end (exclusive) of the JSON string starting at {@code from}, or -1. */
        private int stringEnd(int from) {
            int i = from + 1;
            while (i < end) {
                int c = at(i);
                if (c == '"') {
                    return i + 1;
                }
                i += c == '\\' ? 2 : 1;
            }
            return -1;
        }

        /** The end (exclusive) of the object starting at {@code from} in the map, or -1. */
        private int objectEnd(int from) {
            int depth = 0;
            int i = from;
            while (i < end) {
                int c = at(i);
                if (c == '"') {
                    i = stringEnd(i);
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
            int noteEnd = pos < end && at(pos) == '"' ? stringEnd(pos) : -1;
            if (noteEnd < 0) {
                return Optional.empty();
            }
            byte[] noteJson = new byte[noteEnd - pos];
            in.get(pos, noteJson);
            pos = noteEnd;
            Optional<String> note = note(noteJson);
            if (note.isEmpty()) {
                return Optional.empty();
            }
            Optional<Checkpoint> checkpoint = LogExportVerifier.checkpoint(note.get(), controllerKey);
            if (checkpoint.isEmpty() || !take(',') || !take(ENTRIES) || !take(':') || !take('[')) {
                return Optional.empty();
            }
            Optional<MerkleFrontier> tree = entries();
            if (tree.isEmpty() || !take('}')) {
                return Optional.empty();
            }
            skipSpace();
            if (pos != end || tree.get().size() != checkpoint.get().size() || !tree.get().root().equals(checkpoint.get().root())) {
                return Optional.empty();
            }
            return Optional.of(LogExportVerifier.intact(checkpoint.get()));
        }

        /**
         * The JSON string's value, empty if it is not one (the full path says why); jackson-core
         * alone reads it, without the thousand classes an object mapper loads.
         */
        private static Optional<String> note(byte[] json) throws IOException {
            try (JsonParser parser = new JsonFactory().createParser(json)) {
                return parser.nextToken() == JsonToken.VALUE_STRING ? Optional.of(parser.getText()) : Optional.empty();
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        }

        /** Checks every entry and returns the tree, or empty at the first thing the fast path does not accept. */
        private Optional<MerkleFrontier> entries() throws LogExportVerifier.CouldNotVerify {
            ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                Thread thread = new Thread(r, "duet-export-hash");
                thread.setDaemon(true);
                return thread;
            });
            try {
                Deque<Pending> pending = new ArrayDeque<>();
                Checks checks = new Checks();
                boolean more = !take(']');
                boolean guess = true;
                while (more || !pending.isEmpty()) {
                    while (more && pending.size() < IN_FLIGHT) {
                        skipSpace();
                        Window next = window(guess);
                        guess = true;
                        if (next == null) {
                            return Optional.empty();
                        }
                        pending.add(new Pending(next, workers.submit(() -> work(next))));
                        if (take(']')) {
                            more = false;
                        } else if (!take(',')) {
                            return Optional.empty();
                        }
                    }
                    Pending first = pending.removeFirst();
                    Worked worked = outcome(first.worked());
                    for (int i = 0; i < worked.count(); i++) {
                        if (!checks.accept(worked.entries()[i])) {
                            return Optional.empty();
                        }
                    }
                    if (!worked.whole()) {
                        if (!first.window().guessed()) {
                            return Optional.empty();
                        }
                        // The guess fell inside an entry: whatever was sent out after it started in the wrong place.
                        pending.forEach(dropped -> dropped.worked().cancel(true));
                        pending.clear();
                        pos = first.window().start() + worked.stoppedAt();
                        more = true;
                        guess = false;
                    }
                }
                return Optional.of(checks.tree);
            } finally {
                workers.shutdownNow();
            }
        }

        private static Worked outcome(Future<Worked> worked) throws LogExportVerifier.CouldNotVerify {
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
         * The entries from {@code pos} on, copied out of the map in one bulk read of about
         * {@link #window} bytes (more only for an entry larger than that): scanning and hashing a
         * heap array is several times faster than reading the map a byte at a time. The window is
         * cut where the last entry in it is guessed to start or, without {@code guess}, at the end
         * of the last whole object in it; the file's last window is always cut at its last whole object.
         * Leaves {@code pos} at the cut; null if the first entry is not a whole object.
         */
        private Window window(boolean guess) {
            int start = pos;
            int size = window;
            while (true) {
                int length = Math.min(size, end - pos);
                boolean toEnd = length == end - pos;
                byte[] bytes = new byte[length];
                in.get(pos, bytes);
                int cut = guess && !toEnd ? lastIndexOf(bytes, NEXT_ENTRY) : -1;
                if (cut > 0) {
                    pos += cut;
                    return new Window(start, bytes, cut, true);
                }
                cut = wholeObjects(bytes);
                if (cut > 0) {
                    pos += cut;
                    return new Window(start, bytes, cut, false);
                }
                // The first entry does not end in the window: find its end in the map, so that no more is copied than it.
                int stop = toEnd || at(pos) != '{' ? -1 : objectEnd(pos);
                if (stop < 0) {
                    return null;
                }
                size = stop - pos;
            }
        }
    }

    /** The end of the last of the whole objects, separated by commas, at the start of {@code bytes}; 0 if none. */
    private static int wholeObjects(byte[] bytes) {
        int i = 0;
        int whole = 0;
        while (true) {
            int k = i;
            if (whole > 0) {
                k = skipSpaceIn(bytes, k);
                if (k >= bytes.length || bytes[k] != ',') {
                    return whole;
                }
                k = skipSpaceIn(bytes, k + 1);
            }
            int stop = k < bytes.length && bytes[k] == '{' ? objectEndIn(bytes, k) : -1;
            if (stop < 0) {
                return whole;
            }
            whole = stop;
            i = stop;
        }
    }

    private static int lastIndexOf(byte[] bytes, byte[] literal) {
        for (int i = bytes.length - literal.length; i > 0; i--) {
            if (Arrays.equals(bytes, i, i + literal.length, literal, 0, literal.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Certifies and hashes the window's entries in order, from its start, as far as they go. */
    private static Worked work(Window window) {
        MessageDigest digest = Sha256Hash.digest();
        byte[] bytes = window.bytes();
        int length = window.length();
        Hashed[] out = new Hashed[Math.max(16, length / 256)];
        int count = 0;
        int at = 0;
        while (true) {
            // A window dropped after a missed guess is cancelled: its worker stops rather than finishing for nothing.
            if (Thread.currentThread().isInterrupted()) {
                return new Worked(out, count, false, at);
            }
            CanonicalEntryScanner.Scanned fields = CanonicalEntryScanner.scanAt(bytes, at, length);
            if (fields == null) {
                return new Worked(out, count, false, at);
            }
            int size = fields.end() - at;
            digest.update(bytes, at, size);
            Sha256Hash hash = Sha256Hash.wrap(digest.digest());
            digest.update((byte) 0);
            digest.update(bytes, at, size);
            if (count == out.length) {
                out = Arrays.copyOf(out, 2 * count);
            }
            out[count++] = new Hashed(fields, hash, Sha256Hash.wrap(digest.digest()));
            int next = skipSpaceIn(bytes, fields.end(), length);
            if (next == length) {
                return new Worked(out, count, true, length);
            }
            if (bytes[next] != ',') {
                return new Worked(out, count, false, next);
            }
            at = skipSpaceIn(bytes, next + 1, length);
        }
    }

    private static int skipSpaceIn(byte[] bytes, int from) {
        return skipSpaceIn(bytes, from, bytes.length);
    }

    private static int skipSpaceIn(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The end (exclusive) of the JSON string starting at {@code from}, or -1 if it does not end in {@code bytes}. */
    private static int stringEndIn(byte[] bytes, int from) {
        int i = from + 1;
        while (i < bytes.length) {
            byte c = bytes[i];
            if (c == '"') {
                return i + 1;
            }
            i += c == '\\' ? 2 : 1;
        }
        return -1;
    }

    /** The end (exclusive) of the object starting at {@code from}, or -1 if it does not end in {@code bytes}. */
    private static int objectEndIn(byte[] bytes, int from) {
        int depth = 0;
        int i = from;
        while (i < bytes.length) {
            byte c = bytes[i];
            if (c == '"') {
                i = stringEndIn(bytes, i);
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

    /** The chain per log and per subject ({@link ChainChecker}, as the full path), and the tree. */
    private static final class Checks {
        final MerkleFrontier tree = new MerkleFrontier();
        private final ChainChecker chain = new ChainChecker();

        boolean accept(Hashed entry) {
            CanonicalEntryScanner.Scanned fields = entry.fields();
            if (chain.accept(fields.seq(), fields.prev(), fields.subject(), fields.subjectPrev(), entry.hash()).isPresent()) {
                return false;
            }
            tree.append(entry.leaf());
            return true;
        }
    }
}
