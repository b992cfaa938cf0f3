package dev.duet.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;

/**
 * A separate JVM for {@link CrashSafetyTest}: appends from many threads until it is killed, and
 * prints {@code ack <run> <thread> <n>} only after the append it names is durable.
 */
public final class AppendWorker {
    private AppendWorker() {}

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        KeyFactory ed25519 = KeyFactory.getInstance("Ed25519");
        KeyPair pair = new KeyPair(ed25519.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(Path.of(args[2])))),
                ed25519.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(Path.of(args[1])))));
        String run = args[3];
        int threads = Integer.parseInt(args[4]);
        SqliteStore store = SqliteStore.open(db);
        store.signCheckpointsWith(TestSigners.checkpointSigner("duet.test/crash", pair));
        ObjectMapper json = new ObjectMapper();
        PrintStream out = System.out;
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                for (int n = 0; ; n++) {
                    int i = n;
                    store.write(tx -> tx.append(EntryDraft.of("t" + thread, "worker", "append",
                            json.createObjectNode().put("run", run).put("t", thread).put("n", i)), Instant.now()));
                    synchronized (out) {
                        out.println("ack " + run + " " + thread + " " + i);
                        out.flush();
                    }
                }
            });
            worker.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
