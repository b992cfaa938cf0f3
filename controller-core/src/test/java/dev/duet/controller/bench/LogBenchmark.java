package dev.duet.controller.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.LogExport;
import dev.duet.controller.internal.ControllerSchema;
import dev.duet.log.EntryDraft;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.ProofVerifier;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.LogExportVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Load harness for docs/performance.md: raw fsync rate, durable appends with 1 and 64 writers,
 * proofs at 1,000,000 entries, offline verification of a 1,000,000-entry export, bytes per entry.
 * Run with bench/log-benchmark.sh; it prints one line per measurement.
 */
public final class LogBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : "."), "duet-bench");
        long entries = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
        System.out.printf("machine: %d cores, java %s, dir %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), dir);
        // A new JVM spends its first seconds compiling the store's code; a running controller appends with it compiled.
        double warmOne = appendRate(dir.resolve("warm-up-one.db"), 1, 3);
        double warmMany = appendRate(dir.resolve("warm-up-many.db"), 64, 3);
        System.out.printf("warm-up (not a repetition): durable appends 1 writer %.0f/s; 64 writers %.0f/s%n", warmOne, warmMany);
        for (int rep = 1; rep <= 3; rep++) {
            double fsync = fsyncRate(dir.resolve("fsync.bin"), 2);
            double one = appendRate(dir.resolve("one-" + rep + ".db"), 1, 3);
            double many = appendRate(dir.resolve("many-" + rep + ".db"), 64, 3);
            System.out.printf("rep %d: raw fsync %.0f/s; durable appends 1 writer %.0f/s (%.2fx fsync); 64 writers %.0f/s (%.2fx fsync)%n",
                    rep, fsync, one, one / fsync, many, many / fsync);
        }

        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path big = dir.resolve("big.db");
        SqliteStore store = SqliteStore.open(big, ControllerSchema.SCHEMA);
        store.signCheckpointsWith(ControllerLog.checkpointSigner(key));
        long start = System.nanoTime();
        fill(store, 64, entries);
        System.out.printf("built %d entries with 64 writers in %.1f s%n", entries, (System.nanoTime() - start) / 1e9);
        store.close();
        System.out.printf("bytes on disk per entry: %.0f (database and WAL files: %d bytes)%n", (double) diskBytes(dir, "big.db") / entries, diskBytes(dir, "big.db"));

        store = SqliteStore.open(big, ControllerSchema.SCHEMA);
        store.signCheckpointsWith(ControllerLog.checkpointSigner(key));
        SqliteStore s = store;
        Random random = new Random(1);
        long size = entries;
        long[] generation = new long[2000];
        List<List<Sha256Hash>> paths = new ArrayList<>();
        List<Long> indexes = new ArrayList<>();
        for (int i = 0; i < generation.length; i++) {
            long index = (long) (random.nextDouble() * size);
            long t0 = System.nanoTime();
            List<Sha256Hash> path = s.read(h -> SqliteAuditLog.tree(h).inclusion(index, size));
            generation[i] = System.nanoTime() - t0;
            paths.add(path);
            indexes.add(index);
        }
        Sha256Hash root = s.read(h -> SqliteAuditLog.treeRoot(h, size));
        List<Sha256Hash> leaves = new ArrayList<>();
        for (long index : indexes) {
            leaves.add(MerkleHashes.leaf(s.read(h -> SqliteAuditLog.encodedRange(h, index, index + 1)).get(0)));
        }
        long[] verification = new long[20_000];
        for (int i = 0; i < verification.length; i++) {
            int k = i % paths.size();
            long t0 = System.nanoTime();
            boolean ok = ProofVerifier.verifyInclusion(indexes.get(k), size, leaves.get(k), paths.get(k), root).holds();
            verification[i] = System.nanoTime() - t0;
            if (!ok) {
                throw new IllegalStateException("a generated proof did not verify");
            }
        }
        System.out.printf("inclusion proof at %d entries: generation from storage median %.3f ms (p99 %.3f ms); verification median %.1f µs (p99 %.1f µs)%n",
                size, median(generation) / 1e6, percentile(generation, 0.99) / 1e6, median(verification) / 1e3, percentile(verification, 0.99) / 1e3);
        String checkpoint = s.read(h -> s.checkpointAt(h)).orElseThrow();
        store.close();

        Path exportFile = dir.resolve("export.json");
        JSON.writeValue(exportFile.toFile(), LogExport.fromDatabase(big, checkpoint));
        System.out.printf("export file: %d bytes%n", Files.size(exportFile));
        for (int rep = 1; rep <= 3; rep++) {
            long t0 = System.nanoTime();
            LogExportVerifier.Verdict verdict = LogExportVerifier.verify(exportFile, key.publicKey());
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("offline verification of the %d-entry export file (streamed, parse included), rep %d: %.2f s, %s%n", size, rep, seconds,
                    verdict.intact() ? "intact" : "NOT INTACT: " + verdict.detail());
        }
    }

    /** 4 KiB write + fdatasync in a loop on the same file system: the physical limit for one writer. */
    static double fsyncRate(Path file, int seconds) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            long n = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                block.rewind();
                channel.write(block, (n % 256) * 4096);
                channel.force(false);
                n++;
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    static double appendRate(Path db, int writers, int seconds) throws Exception {
        return appendRate(db, writers, seconds, true);
    }

    /** With {@code signed} false, no checkpoint is signed or stored per commit: what the log's store costs without that. */
    static double appendRate(Path db, int writers, int seconds, boolean signed) throws Exception {
        try (SqliteStore store = SqliteStore.open(db)) {
            if (signed) {
                store.signCheckpointsWith(ControllerLog.checkpointSigner(Ed25519KeyPair.generate()));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            long t0 = System.nanoTime();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        append(store, writer, i);
                        done.incrementAndGet();
                    }
                });
            }
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
            return done.get() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    static void fill(SqliteStore store, int writers, long total) throws Exception {
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            pool.submit(() -> {
                for (long i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                    append(store, writer, (int) i);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.HOURS);
    }

    private static void append(SqliteStore store, int writer, int i) {
        ObjectNode payload = JSON.createObjectNode().put("command_id", "cmd-" + writer + "-" + i).put("exit_status", 0)
                .put("stdout_sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        store.write(tx -> tx.append(EntryDraft.of("cvm-" + (writer % 8), "controller", "command.completed", payload), Instant.now()));
    }

    private static long diskBytes(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static double median(long[] samples) {
        return percentile(samples, 0.5);
    }

    private static double percentile(long[] samples, double q) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }
}
