package dev.duet.controller.bench;

import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.LogExportVerifier;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Verifies one export several times in one JVM and prints each run's time: the first is a fresh
 * JVM's (without the CLI's start), the later ones a warm verifier's, with the JIT's work done. It
 * shows what a fresh JVM adds to {@code duet log verify-export} (bench/export-benchmark.sh with
 * {@code WARM_RUNS}). Usage: ExportWarmBenchmark EXPORT CONTROLLER_KEY_PEM RUNS
 */
public final class ExportWarmBenchmark {
    private ExportWarmBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path export = Path.of(args[0]);
        Ed25519PublicKey key = Ed25519PublicKey.parsePem(Files.readString(Path.of(args[1])));
        int runs = Integer.parseInt(args[2]);
        for (int run = 1; run <= runs; run++) {
            long started = System.nanoTime();
            LogExportVerifier.Verdict verdict = LogExportVerifier.verify(export, key);
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (!verdict.intact()) {
                throw new IllegalStateException("the export did not verify: " + verdict.detail());
            }
            System.out.printf("one JVM, verification %d: %d ms%n", run, millis);
        }
    }
}
