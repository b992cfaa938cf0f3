package dev.duet.controller.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.controller.internal.ControllerSchema;
import dev.duet.log.EntryDraft;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a lone writer's durable append goes (issue 15, item 3), each repetition in one run: the
 * time from the committer taking the job to the durable commit (the store's commit listener)
 * against the whole append; and the raw 4 KiB fdatasync beside writes shaped like a SQLite WAL
 * commit (five 24-byte frame headers and 4 KiB pages, then one fsync), written in place as SQLite
 * reuses its WAL, and appended to a growing file. Run with bench/append-anatomy.sh.
 */
public final class AppendAnatomyBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAMES = 5;
    private static final int FRAME = 24 + 4096;
    private static final long WAL_BYTES = 4L << 20;

    private AppendAnatomyBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : "."), "duet-append-anatomy");
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        for (int rep = 1; rep <= repetitions; rep++) {
            double raw = LogBenchmark.fsyncRate(dir.resolve("fsync-" + rep + ".bin"), 2);
            double inPlace = walShapedRate(dir.resolve("wal-" + rep + ".bin"), false, 2);
            double growing = walShapedRate(dir.resolve("grow-" + rep + ".bin"), true, 2);
            System.out.printf("rep %d: raw fsync %.0f/s; WAL-shaped commits in place %.2fx, growing %.2fx; %s%n",
                    rep, raw, inPlace / raw, growing / raw, loneWriter(dir.resolve("one-" + rep + ".db"), 3));
        }
    }

    /** One writer for {@code seconds}: microseconds per append, and how much of it the committer spent on the batch. */
    private static String loneWriter(Path db, int seconds) throws Exception {
        try (SqliteStore store = SqliteStore.open(db, ControllerSchema.SCHEMA)) {
            store.signCheckpointsWith(ControllerLog.checkpointSigner(Ed25519KeyPair.generate()));
            AtomicLong batchNanos = new AtomicLong();
            AtomicLong batches = new AtomicLong();
            store.onCommit((size, appended, nanos) -> {
                batchNanos.addAndGet(nanos);
                batches.incrementAndGet();
            });
            batchNanos.set(0);
            batches.set(0);
            long appends = 0;
            long t0 = System.nanoTime();
            long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                long n = appends;
                store.write(tx -> tx.append(EntryDraft.of("cvm-1", "controller", "command.completed",
                        JSON.createObjectNode().put("command_id", "cmd-" + n).put("exit_status", 0)), Instant.now()));
                appends++;
            }
            double perAppend = (System.nanoTime() - t0) / 1e3 / appends;
            double perBatch = batchNanos.get() / 1e3 / batches.get();
            return String.format("1 writer %.0f µs an append, of which %.0f µs from the committer taking it to the durable commit, "
                    + "%.0f µs handoff and return", perAppend, perBatch, perAppend - perBatch);
        }
    }

    private static double walShapedRate(Path file, boolean growing, int seconds) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (!growing) {
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < WAL_BYTES + (1 << 20); at += zeros.capacity()) {
                    zeros.rewind();
                    channel.write(zeros, at);
                }
                channel.force(true);
            }
            ByteBuffer header = ByteBuffer.allocate(24);
            ByteBuffer page = ByteBuffer.allocate(4096);
            long offset = 0;
            long n = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                for (int frame = 0; frame < FRAMES; frame++) {
                    header.rewind();
                    page.rewind();
                    channel.write(header, offset);
                    channel.write(page, offset + header.capacity());
                    offset += FRAME;
                }
                if (!growing && offset > WAL_BYTES) {
                    offset = 0;
                }
                channel.force(true);
                n++;
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
