package dev.duet.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.log.ChainChecker;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.MalformedEntryException;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleFrontier;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * Verifies an exported log offline: {@code {"checkpoint": "<signed note>", "entries": [entry, …]}}.
 * The checkpoint must be signed by the controller; the entries must be exactly the checkpointed
 * ones: as many, each chained to its predecessor (per log and per subject), and their RFC 9162 tree
 * must have the checkpoint's root. The verdict names the first bad entry when there is one.
 *
 * <p>Entries are taken one at a time (from a file, never all in memory); decoding and hashing run
 * on all cores in chunks, the chain check and the tree in order. A chunk holds at most
 * {@value #CHUNK} entries and about {@value #CHUNK_BYTES} characters of the file, and at most four
 * chunks exist at once, so memory stays bounded by the largest entry, whatever the size of the export.
 *
 * <p>A verdict is only ever given on a finished verification. If verification cannot finish (out
 * of memory, a failure inside a worker) the answer is {@link CouldNotVerify}, never "tampered" and
 * never a wait for a thread that died. Content the controller never writes is a verdict, not a
 * failure to finish: a file that is not strict JSON ({@link StrictJson}), or whose entries lie
 * beyond the entry format's limits (nesting, string and number lengths, {@link EntryCodec}), is
 * tampered; a heap too small to hold an entry within those limits is {@link CouldNotVerify}.
 */
public final class LogExportVerifier {
    private static final int CHUNK = 4096;
    private static final long CHUNK_BYTES = 1L << 20;

    private LogExportVerifier() {}

    /** Verification did not finish, for a reason that says nothing about the export's integrity. */
    public static final class CouldNotVerify extends Exception {
        private static final long serialVersionUID = 1L;

        CouldNotVerify(String message) {
            super(message);
        }

        static CouldNotVerify of(Throwable cause) {
            if (cause instanceof OutOfMemoryError) {
                return new CouldNotVerify("out of memory: this JVM's heap is too small for the export's largest entries (raise it with -Xmx)");
            }
            if (cause instanceof CouldNotVerify done) {
                return done;
            }
            String message = cause.getMessage();
            return new CouldNotVerify("internal failure" + (message == null || message.isBlank() ? "" : ": " + message)
                    + (cause instanceof InternalError ? " (was the file changed while it was read?)" : ""));
        }
    }

    public record Verdict(boolean intact, long size, OptionalLong firstBadIndex, String detail, Optional<Checkpoint> checkpoint) {
        static Verdict bad(long index, String detail) {
            return new Verdict(false, -1, OptionalLong.of(index), detail, Optional.empty());
        }

        static Verdict badWhole(String detail) {
            return new Verdict(false, -1, OptionalLong.empty(), detail, Optional.empty());
        }
    }

    /** Verifies an export already in memory. */
    public static Verdict verify(JsonNode export, Ed25519PublicKey controllerKey) throws CouldNotVerify {
        JsonNode entries = export.path("entries");
        if (!entries.isArray()) {
            return Verdict.badWhole("entries is not an array");
        }
        try {
            return finish(export.path("checkpoint").asText(""), summarize(entries.elements(), () -> 0), controllerKey);
        } catch (VirtualMachineError | RuntimeException e) {
            throw CouldNotVerify.of(e);
        }
    }

    /**
     * Verifies an export file. The fast path ({@link FastExport}) certifies each entry's bytes as
     * canonical and hashes them in place; it can only answer "intact". Whenever it cannot (an entry
     * it does not certify, any break, any mismatch) the full path below runs and gives the verdict,
     * so both accept exactly the same files and every failure is reported the same way.
     */
    public static Verdict verify(Path file, Ed25519PublicKey controllerKey) throws IOException, CouldNotVerify {
        try {
            Optional<Verdict> fast = FastExport.verify(file, controllerKey);
            if (fast.isPresent()) {
                return fast.get();
            }
            return verifyFully(file, controllerKey);
        } catch (VirtualMachineError | RuntimeException e) {
            throw CouldNotVerify.of(e);
        }
    }

    /**
     * Verifies an export file, streaming its entries through the full decode and re-encode. The file
     * is read as {@link StrictJson} reads: a duplicate member (a second checkpoint, a second kind in
     * an entry), content after the document, or anything beyond what the controller writes makes
     * the export not what the controller signed.
     */
    static Verdict verifyFully(Path file, Ed25519PublicKey controllerKey) throws IOException, CouldNotVerify {
        try (JsonParser parser = StrictJson.parser(file)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Verdict.badWhole("an export is a JSON object");
            }
            String note = null;
            Summary summary = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("checkpoint") && value == JsonToken.VALUE_STRING) {
                    note = parser.getText();
                } else if (name.equals("entries") && value == JsonToken.START_ARRAY) {
                    // The reader decodes UTF-8 to characters, so its position counts characters, as many as bytes or fewer.
                    summary = summarize(new ArrayElements(parser), () -> parser.currentLocation().getCharOffset());
                    if (!summary.intact()) {
                        return finish(note == null ? "" : note, summary, controllerKey);
                    }
                } else {
                    return Verdict.badWhole("unexpected member '" + name + "' in the export");
                }
            }
            StrictJson.requireEnd(parser);
            if (summary == null) {
                return Verdict.badWhole("the export has no entries array");
            }
            return finish(note == null ? "" : note, summary, controllerKey);
        } catch (JsonProcessingException e) {
            return malformed(StrictJson.describe(e));
        } catch (MalformedJsonException e) {
            return malformed(e);
        } catch (CharacterCodingException e) {
            return malformed(new MalformedJsonException("not well-formed UTF-8"));
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof JsonProcessingException json) {
                return malformed(StrictJson.describe(json));
            }
            if (e.getCause() instanceof CharacterCodingException) {
                return malformed(new MalformedJsonException("not well-formed UTF-8"));
            }
            throw e.getCause();
        }
    }

    /**
     * Bytes the strict reader refuses are not what the controller wrote: a verdict, never "could not
     * verify". That includes JSON beyond the limits of the entry format (nesting, string and number
     * lengths), which the controller never writes; running out of memory within them is not a verdict.
     */
    private static Verdict malformed(MalformedJsonException e) {
        return Verdict.badWhole("the export is not a JSON document the controller wrote: " + e.getMessage());
    }

    /** What the entries establish on their own, before the checkpoint is consulted. */
    private record Summary(boolean intact, long count, Sha256Hash root, OptionalLong firstBad, String detail) {
        static Summary bad(long index, String detail) {
            return new Summary(false, -1, null, OptionalLong.of(index), detail);
        }
    }

    /** One entry after the parallel stage: decoded with its hashes, or the reason it is malformed. */
    private record Processed(LogEntry entry, Sha256Hash hash, Sha256Hash leaf, String malformed) {
        static Processed of(JsonNode node) {
            try {
                LogEntry entry = EntryCodec.fromJson(node);
                byte[] bytes = EntryCodec.encode(entry);
                return new Processed(entry, Sha256Hash.of(bytes), MerkleHashes.leaf(bytes), null);
            } catch (MalformedEntryException e) {
                return new Processed(null, null, null, e.getMessage());
            }
        }
    }

    /**
     * Reads chunks of entries on a thread of its own, so that parsing the next chunk overlaps with
     * processing this one; it is stopped and joined before the caller touches the source again.
     * A parse error is handed over after the chunks before it, in the file's order. Anything else
     * that ends the thread (an error such as running out of memory) ends verification at once, and
     * the consumer never waits on a thread that is gone, even one that could not hand over anything.
     */
    private static final class ChunkReader implements AutoCloseable {
        private static final List<JsonNode> END = List.of();
        private static final long WAIT_NANOS = 200_000;
        private final BlockingQueue<List<JsonNode>> chunks = new ArrayBlockingQueue<>(2);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        /** {@code position} tells how many bytes of the source have been read, to bound chunks by size. */
        ChunkReader(Iterator<JsonNode> entries, LongSupplier position) {
            thread = new Thread(() -> {
                try {
                    while (entries.hasNext()) {
                        List<JsonNode> chunk = new ArrayList<>();
                        long start = position.getAsLong();
                        while (chunk.size() < CHUNK && position.getAsLong() - start < CHUNK_BYTES && entries.hasNext()) {
                            chunk.add(entries.next());
                        }
                        chunks.put(chunk);
                    }
                    chunks.put(END);
                } catch (InterruptedException e) {
                    // Stopped by close(): the consumer is no longer waiting.
                } catch (Throwable e) {
                    failure.set(e);
                    try {
                        if (!(e instanceof UncheckedIOException)) {
                            chunks.clear();
                        }
                        chunks.put(END);
                    } catch (Throwable ignored) {
                        // Interrupted, or not even memory for the hand-over: the consumer sees this thread end.
                    }
                }
            }, "duet-export-reader");
            thread.setDaemon(true);
            thread.start();
        }

        /** The next chunk, or empty at the end; reading's failure as a {@link CouldNotVerify}, or its parse error. */
        List<JsonNode> next() throws CouldNotVerify {
            // Parking allocates nothing, unlike a timed wait on the queue, which spins for as long as the
            // heap is exhausted (and the parser's buffers, which hold it, are released only when this returns).
            // A parse error is handed over behind the chunks before it, as END: wait for that, not just for the flag.
            List<JsonNode> chunk = chunks.poll();
            while (chunk == null && thread.isAlive() && !ended(failure.get())) {
                LockSupport.parkNanos(WAIT_NANOS);
                if (Thread.interrupted()) {
                    throw new CouldNotVerify("interrupted");
                }
                chunk = chunks.poll();
            }
            if (chunk == null) {
                chunk = chunks.poll();
            }
            Throwable failed = failure.get();
            if (failed != null && !(failed instanceof UncheckedIOException)) {
                throw CouldNotVerify.of(failed);
            }
            if (chunk == null) {
                throw new CouldNotVerify("the thread reading the export ended without finishing");
            }
            if (chunk == END && failed instanceof UncheckedIOException io) {
                throw io;
            }
            return chunk;
        }

        /** Whether reading ended in a way that hands nothing more over (anything but a parse error). */
        private static boolean ended(Throwable failed) {
            return failed != null && !(failed instanceof UncheckedIOException);
        }

        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Summary summarize(Iterator<JsonNode> entries, LongSupplier position) throws CouldNotVerify {
        try (ChunkReader reader = new ChunkReader(entries, position)) {
            return summarize(reader);
        }
    }

    private static Summary summarize(ChunkReader reader) throws CouldNotVerify {
        ChainChecker chain = new ChainChecker();
        MerkleFrontier tree = new MerkleFrontier();
        long index = 0;
        long brokenAt = -1;
        String brokenReason = null;
        Sha256Hash brokenHash = null;
        for (List<JsonNode> chunk = reader.next(); !chunk.isEmpty(); chunk = reader.next()) {
            List<JsonNode> current = chunk;
            List<Processed> processed = IntStream.range(0, current.size()).parallel().mapToObj(i -> Processed.of(current.get(i))).toList();
            for (Processed p : processed) {
                if (brokenAt >= 0) {
                    // A broken link at k: if entry k still matches what entry k+1 committed to, k-1 was altered.
                    boolean kIntact = p.entry() != null && p.entry().prev().equals(brokenHash);
                    long bad = kIntact ? brokenAt - 1 : brokenAt;
                    return Summary.bad(bad, "entry " + bad + " does not fit the chain (" + brokenReason + " at entry " + brokenAt + ")");
                }
                if (p.malformed() != null) {
                    return Summary.bad(index, "entry " + index + " is malformed: " + p.malformed());
                }
                Optional<String> broken = chain.accept(p.entry(), p.hash());
                if (broken.isPresent()) {
                    if (index == 0 || !broken.get().startsWith("prev is")) {
                        return Summary.bad(index, "entry " + index + " does not fit the chain (" + broken.get() + ")");
                    }
                    brokenAt = index;
                    brokenReason = broken.get();
                    brokenHash = p.hash();
                    continue;
                }
                tree.append(p.leaf());
                index++;
            }
        }
        if (brokenAt >= 0) {
            return Summary.bad(brokenAt, "entry " + brokenAt + " does not fit the chain (" + brokenReason + ")");
        }
        return new Summary(true, index, tree.root(), OptionalLong.empty(), "");
    }

    /** The checkpoint, if it verifies; for the fast path, which has nothing to report otherwise. */
    static Optional<Checkpoint> checkpoint(String note, Ed25519PublicKey controllerKey) {
        try {
            return Optional.of(Checkpoint.open(note, ControllerLog.verifierKey(controllerKey), ControllerLog.origin(controllerKey)));
        } catch (MalformedNoteException | NoteRejectedException e) {
            return Optional.empty();
        }
    }

    static Verdict intact(Checkpoint checkpoint) {
        return new Verdict(true, checkpoint.size(), OptionalLong.empty(), "all " + checkpoint.size()
                + " entries chained and matching the signed checkpoint", Optional.of(checkpoint));
    }

    private static Verdict finish(String note, Summary summary, Ed25519PublicKey controllerKey) {
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.open(note, ControllerLog.verifierKey(controllerKey), ControllerLog.origin(controllerKey));
        } catch (MalformedNoteException | NoteRejectedException e) {
            return Verdict.badWhole("checkpoint: " + e.getMessage());
        }
        if (!summary.intact()) {
            return new Verdict(false, -1, summary.firstBad(), summary.detail(), Optional.empty());
        }
        if (summary.count() != checkpoint.size()) {
            long firstBad = Math.min(summary.count(), checkpoint.size());
            return Verdict.bad(firstBad, "the export holds " + summary.count() + " entries but the checkpoint covers " + checkpoint.size()
                    + (summary.count() < checkpoint.size() ? ": the tail is missing" : ": entries beyond the checkpoint"));
        }
        if (!summary.root().equals(checkpoint.root())) {
            return Verdict.badWhole("the entries' Merkle root " + summary.root() + " is not the checkpoint's " + checkpoint.root()
                    + ": the log was rewritten consistently but not re-signed");
        }
        return intact(checkpoint);
    }

    /** The elements of the JSON array the parser stands in, read one at a time. */
    private static final class ArrayElements implements Iterator<JsonNode> {
        private final JsonParser parser;
        private JsonToken next;

        ArrayElements(JsonParser parser) {
            this.parser = parser;
            advance();
        }

        private void advance() {
            try {
                next = parser.nextToken();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null && next != JsonToken.END_ARRAY;
        }

        @Override
        public JsonNode next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            try {
                JsonNode node = parser.readValueAsTree();
                advance();
                return node == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
