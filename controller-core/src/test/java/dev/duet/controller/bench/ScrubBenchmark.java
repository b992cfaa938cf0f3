package dev.duet.controller.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryDraft;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What destroying a key thoroughly costs (docs/performance.md): the write that destroys a sealed key
 * with and without its scrub (a TRUNCATE checkpoint), after 0, 100 and 1,000 appends since the last
 * checkpoint; and durable append rates with {@code secure_delete} on (the store's setting) and off,
 * interleaved in the same run, next to the raw fsync rate. Run with bench/scrub-benchmark.sh.
 */
public final class ScrubBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScrubBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : "."), "duet-scrub-bench");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        System.out.printf("machine: %d cores, java %s, dir %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), dir);
        try (SqliteStore store = SqliteStore.open(dir.resolve("destroy.db"))) {
            store.signCheckpointsWith(ControllerLog.checkpointSigner(Ed25519KeyPair.generate()));
            store.write(tx -> tx.handle().execute("CREATE TABLE vault (id INTEGER PRIMARY KEY, padding BLOB, sealed BLOB)"));
            for (int since : new int[] {0, 100, 1000}) {
                List<Long> scrubbed = new ArrayList<>();
                List<Long> plain = new ArrayList<>();
                for (int round = 0; round < 2 * rounds; round++) {
                    boolean scrub = round % 2 == 0;
                    store.write(tx -> {
                        tx.handle().execute("INSERT OR REPLACE INTO vault (id, padding, sealed) VALUES (1, zeroblob(300), randomblob(77))");
                        tx.scrubAfterCommit();
                        return null;
                    });
                    for (int i = 0; i < since; i++) {
                        append(store, 0, i);
                    }
                    long t0 = System.nanoTime();
                    store.write(tx -> {
                        tx.handle().execute("UPDATE vault SET sealed = NULL WHERE id = 1");
                        tx.append(EntryDraft.of("cvm-0", "owner:bench", "cvm.stopped",
                                JSON.createObjectNode().put("ssh_key", "destroyed")), Instant.now());
                        if (scrub) {
                            tx.scrubAfterCommit();
                        }
                        return null;
                    });
                    (scrub ? scrubbed : plain).add(System.nanoTime() - t0);
                }
                System.out.printf("destroying write after %d appends since the last checkpoint: with scrub median %.2f ms (min %.2f, max %.2f); "
                        + "without median %.2f ms (min %.2f, max %.2f); %d rounds each%n", since, median(scrubbed) / 1e6, min(scrubbed) / 1e6,
                        max(scrubbed) / 1e6, median(plain) / 1e6, min(plain) / 1e6, max(plain) / 1e6, rounds);
            }
        }
        System.out.printf("raw fsync rate (4 KiB write + fdatasync): %.0f/s%n", LogBenchmark.fsyncRate(dir.resolve("fsync.bin"), 2));
        // On and off alternate in 2-second slices, the order flipping each pair, so drifting load on a shared machine hits both alike.
        for (int writers : new int[] {1, 64}) {
            List<Double> on = new ArrayList<>();
            List<Double> off = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            List<Double> writtenOn = new ArrayList<>();
            List<Double> writtenOff = new ArrayList<>();
            for (int pair = 0; pair < 10; pair++) {
                Rate first = appendRate(dir.resolve("a-" + writers + "-" + pair + ".db"), writers, pair % 2 == 0, 2);
                Rate second = appendRate(dir.resolve("b-" + writers + "-" + pair + ".db"), writers, pair % 2 != 0, 2);
                Rate withSecureDelete = pair % 2 == 0 ? first : second;
                Rate without = pair % 2 == 0 ? second : first;
                on.add(withSecureDelete.perSecond());
                off.add(without.perSecond());
                ratios.add(withSecureDelete.perSecond() / without.perSecond());
                writtenOn.add(withSecureDelete.bytesWrittenPerAppend());
                writtenOff.add(without.bytesWrittenPerAppend());
            }
            System.out.printf("%d writer(s), 10 interleaved pairs of 2 s: durable appends with secure_delete on median %.0f/s, off median %.0f/s; "
                    + "median of the pairs' on/off ratios %.3f (min %.3f, max %.3f); bytes written per append (write(2) calls of the JVM) "
                    + "on median %.0f, off median %.0f%n", writers, medianOf(on), medianOf(off), medianOf(ratios),
                    ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0), ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                    medianOf(writtenOn), medianOf(writtenOff));
        }
    }

    /** Appends per second, and bytes the JVM handed to write(2) per append (from /proc/self/io). */
    private record Rate(double perSecond, double bytesWrittenPerAppend) {}

    private static long bytesWritten() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring(6).strip());
            }
        }
        throw new IllegalStateException("/proc/self/io has no wchar line");
    }

    private static Rate appendRate(Path db, int writers, boolean secureDelete, int seconds) throws Exception {
        try (SqliteStore store = SqliteStore.open(db)) {
            store.signCheckpointsWith(ControllerLog.checkpointSigner(Ed25519KeyPair.generate()));
            if (!secureDelete) {
                // The committer keeps one connection for its lifetime, so this reaches every append.
                store.write(tx -> tx.handle().execute("PRAGMA secure_delete = OFF"));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            long written = bytesWritten();
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
            double perSecond = done.get() / ((System.nanoTime() - t0) / 1e9);
            return new Rate(perSecond, (double) (bytesWritten() - written) / done.get());
        }
    }

    private static void append(SqliteStore store, int writer, int i) {
        ObjectNode payload = JSON.createObjectNode().put("command_id", "cmd-" + writer + "-" + i).put("exit_status", 0)
                .put("stdout_sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        store.write(tx -> tx.append(EntryDraft.of("cvm-" + (writer % 8), "controller", "command.completed", payload), Instant.now()));
    }

    private static double median(List<Long> samples) {
        long[] sorted = samples.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double medianOf(List<Double> samples) {
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double min(List<Long> samples) {
        return samples.stream().mapToLong(Long::longValue).min().orElse(0);
    }

    private static double max(List<Long> samples) {
        return samples.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
