package dev.duet.controller.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the checkpoint signed and stored in each commit costs durable appends (issue 15, item 3):
 * the raw fsync rate, then 1 and 64 writers with a checkpoint signer (as the controller runs) and
 * without one (no signature), alternating within each repetition. The store
 * without a signer is not a mode the controller runs in; it bounds what signing checkpoints off the
 * commit path could gain. Run with bench/checkpoint-cost.sh.
 */
public final class CheckpointCostBenchmark {
    private CheckpointCostBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of(args.length > 0 ? args[0] : "."), "duet-checkpoint-cost");
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        for (int rep = 1; rep <= repetitions; rep++) {
            double fsync = LogBenchmark.fsyncRate(dir.resolve("fsync-" + rep + ".bin"), 2);
            double oneSigned = LogBenchmark.appendRate(dir.resolve("one-signed-" + rep + ".db"), 1, 3, true);
            double oneUnsigned = LogBenchmark.appendRate(dir.resolve("one-unsigned-" + rep + ".db"), 1, 3, false);
            double manySigned = LogBenchmark.appendRate(dir.resolve("many-signed-" + rep + ".db"), 64, 3, true);
            double manyUnsigned = LogBenchmark.appendRate(dir.resolve("many-unsigned-" + rep + ".db"), 64, 3, false);
            System.out.printf("rep %d: raw fsync %.0f/s; 1 writer signed %.2fx, unsigned %.2fx; 64 writers signed %.2fx, unsigned %.2fx%n",
                    rep, fsync, oneSigned / fsync, oneUnsigned / fsync, manySigned / fsync, manyUnsigned / fsync);
        }
    }
}
