package dev.duet.controller.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.controller.LogExport;
import dev.duet.controller.internal.ControllerSchema;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes an N-entry export and its controller's public key to a directory, for timing
 * {@code duet log verify-export} as a user runs it (a fresh JVM): bench/export-benchmark.sh.
 */
public final class ExportFixture {
    private ExportFixture() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        long entries = Long.parseLong(args[1]);
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path db = dir.resolve("log.db");
        String checkpoint;
        try (SqliteStore store = SqliteStore.open(db, ControllerSchema.SCHEMA)) {
            store.signCheckpointsWith(ControllerLog.checkpointSigner(key));
            LogBenchmark.fill(store, 64, entries);
            checkpoint = store.latestCheckpoint().orElseThrow();
        }
        new ObjectMapper().writeValue(dir.resolve("export.json").toFile(), LogExport.fromDatabase(db, checkpoint));
        Files.writeString(dir.resolve("controller.pub"), key.publicKey().toPem());
        System.out.printf("%d entries: %s (%d bytes), key %s%n", entries, dir.resolve("export.json"),
                Files.size(dir.resolve("export.json")), dir.resolve("controller.pub"));
    }
}
