package dev.duet.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fast path of export verification, for exports as {@code duet log export} writes them
 * ({@code {"checkpoint": …, "entries": […]}}, entries compact): the file is memory-mapped and
 * copied out in windows of about {@value #CHUNK_BYTES} bytes, entry boundaries are found by one scan
 * of each window, each entry's bytes are certified canonical by {@link CanonicalEntryScanner} and
 * hashed from the window on a worker, and the chain and the tree are checked in order on this thread. No JSON tree and no re-encoding. It answers only "intact";
 * anything else (a layout it does not expect, an entry it does not certify, a break, a mismatch)
 * is empty and the caller runs the full path, which names the problem. A worker that fails is not
 * such a case: it is {@link LogExportVerifier.CouldNotVerify}, since the entries it held were never
 * checked. The map lives outside the heap; what the heap holds is bounded by the windows in flight
 * (a window is larger than {@value #CHUNK_BYTES} bytes only to hold one entry that is).
 */
final class FastExport {
    private static final int CHUNK = 8192;
    private static final int CHUNK_BYTES = 1 << 20;
    private static final int IN_FLIGHT = 4;
    private static final byte[] CHECKPOINT = "\"checkpoint\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] ENTRIES = "\"entries\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private FastExport() {}

    /** One entry after the parallel stage; null fields mean "not certified". */
    private record Hashed(CanonicalEntryScanner.Scanned fields, Sha256Hash hash, Sha256Hash leaf) {}

    /** Entries copied out of the map: entry k is {@code bytes[bounds[2k], bounds[2k + 1])}. */
    private record Chunk(byte[] bytes, int[] bounds, int count) {}

    static Optional<LogExportVerifier.Verdict> verify(Path file, Ed25519PublicKey controllerKey) throws IOException, LogExportVerifier.CouldNotVerify {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 16) {
                return Optional.empty();
            }
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new Run(map, (int) size).verify(controllerKey);
        }
    }

    private static final class Run {
        private final ByteBuffer in;
        private final int end;
        private int pos;

        Run(ByteBuffer in, int end) {
            this.in = in;
            this.end = end;
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
            String note = new ObjectMapper().readValue(noteJson, String.class);
            Optional<Checkpoint> checkpoint = LogExportVerifier.checkpoint(note, controllerKey);
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

        /** Checks every entry and returns the tree, or empty at the first thing the fast path does not accept. */
        private Optional<MerkleFrontier> entries() throws LogExportVerifier.CouldNotVerify {
            ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                Thread thread = new Thread(r, "duet-export-hash");
                thread.setDaemon(true);
                return thread;
            });
            try {
                Deque<Future<Hashed[]>> pending = new ArrayDeque<>();
                Checks checks = new Checks();
                boolean more = !take(']');
                while (more || !pending.isEmpty()) {
                    while (more && pending.size() < IN_FLIGHT) {
                        skipSpace();
                        Chunk chunk = chunk();
                        if (chunk == null) {
                            return Optional.empty();
                        }
                        pending.add(workers.submit(() -> hash(chunk)));
                        if (take(']')) {
                            more = false;
                        } else if (!take(',')) {
                            return Optional.empty();
                        }
                    }
                    Hashed[] hashed;
                    try {
                        hashed = pending.removeFirst().get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new LogExportVerifier.CouldNotVerify("interrupted");
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw LogExportVerifier.CouldNotVerify.of(e.getCause());
                    }
                    for (Hashed entry : hashed) {
                        if (entry == null || !checks.accept(entry)) {
                            return Optional.empty();
                        }
                    }
                }
                return Optional.of(checks.tree);
            } finally {
                workers.shutdownNow();
            }
        }

        /**
         * The entries from {@code pos} on, copied out of the map in one bulk read of about
         * {@value #CHUNK_BYTES} bytes (more only for an entry larger than that): scanning and
         * hashing a heap array is several times faster than reading the map a byte at a time.
         * Leaves {@code pos} after the last whole entry; null if the first is not a whole object.
         */
        private Chunk chunk() {
            int size = CHUNK_BYTES;
            while (true) {
                int length = Math.min(size, end - pos);
                boolean toEnd = length == end - pos;
                byte[] bytes = new byte[length];
                in.get(pos, bytes);
                int[] bounds = new int[2 * CHUNK];
                int count = 0;
                int i = 0;
                while (count < CHUNK) {
                    int k = i;
                    if (count > 0) {
                        k = skipSpaceIn(bytes, k);
                        if (k >= length || bytes[k] != ',') {
                            break;
                        }
                        k = skipSpaceIn(bytes, k + 1);
                    }
                    int stop = k < length && bytes[k] == '{' ? objectEndIn(bytes, k) : -1;
                    if (stop < 0) {
                        break;
                    }
                    bounds[2 * count] = k;
                    bounds[2 * count + 1] = stop;
                    count++;
                    i = stop;
                }
                if (count > 0) {
                    pos += i;
                    return new Chunk(bytes, bounds, count);
                }
                // The first entry does not end in the window: find its end in the map, so that no more is copied than it.
                int stop = toEnd || at(pos) != '{' ? -1 : objectEnd(pos);
                if (stop < 0) {
                    return null;
                }
                size = stop - pos;
            }
        }

        private Hashed[] hash(Chunk chunk) {
            MessageDigest digest = Sha256Hash.digest();
            byte[] bytes = chunk.bytes();
            int[] bounds = chunk.bounds();
            Hashed[] out = new Hashed[chunk.count()];
            for (int i = 0; i < out.length; i++) {
                int from = bounds[2 * i];
                int length = bounds[2 * i + 1] - from;
                CanonicalEntryScanner.Scanned fields = CanonicalEntryScanner.scan(bytes, from, from + length);
                if (fields == null) {
                    return out;
                }
                digest.update(bytes, from, length);
                Sha256Hash hash = Sha256Hash.wrap(digest.digest());
                digest.update((byte) 0);
                digest.update(bytes, from, length);
                out[i] = new Hashed(fields, hash, Sha256Hash.wrap(digest.digest()));
            }
            return out;
        }
    }

    private static int skipSpaceIn(byte[] bytes, int from) {
        int i = from;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) {
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
