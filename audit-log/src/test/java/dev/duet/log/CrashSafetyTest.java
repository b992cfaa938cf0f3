package dev.duet.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.NoteVerifierKey;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL at random moments while 16 threads append: nothing acknowledged is ever lost. */
class CrashSafetyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @TempDir Path dir;

    @Test
    void everyAcknowledgedAppendSurvivesTwentyKills() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path privateKey = Files.write(dir.resolve("key.pk8"), pair.getPrivate().getEncoded());
        Path publicKey = Files.write(dir.resolve("key.spki"), pair.getPublic().getEncoded());
        NoteVerifierKey verifierKey = NoteVerifierKey.fromSpki("duet.test/crash", pair.getPublic().getEncoded());
        Path db = dir.resolve("log.db");
        Random random = new Random(42);
        long totalAcks = 0;
        for (int round = 0; round < 20; round++) {
            Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), AppendWorker.class.getName(),
                    db.toString(), privateKey.toString(), publicKey.toString(), "r" + round, "16")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            ConcurrentLinkedQueue<String> acks = new ConcurrentLinkedQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("ack ")) {
                            acks.add(line.substring(4));
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // The worker was killed: its pipe ends here.
                }
            });
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (acks.isEmpty() && System.nanoTime() < deadline && worker.isAlive()) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(400));
            worker.destroyForcibly();
            assertThat(worker.waitFor(20, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            assertThat(acks).as("round %d acknowledged nothing", round).isNotEmpty();
            totalAcks += acks.size();

            try (SqliteStore store = SqliteStore.open(db)) {
                List<byte[]> bodies = store.read(h -> SqliteAuditLog.encodedRange(h, 0, Long.MAX_VALUE));
                assertThat(ChainVerifier.verifyLog(bodies)).as("round %d", round).isInstanceOf(ChainVerdict.Intact.class);
                Set<String> present = new HashSet<>();
                for (byte[] body : bodies) {
                    JsonNode payload = MAPPER.readTree(body).path("payload");
                    present.add(payload.path("run").asText() + " " + payload.path("t").asInt() + " " + payload.path("n").asInt());
                }
                for (String ack : acks) {
                    assertThat(present).as("round %d: acknowledged append %s", round, ack).contains(ack);
                }
                // The checkpoint signed after the crash is of the tree the surviving entries make, as the stored nodes have it.
                store.signCheckpointsWith(TestSigners.checkpointSigner("duet.test/crash", pair));
                Checkpoint checkpoint = Checkpoint.open(store.latestCheckpoint().orElseThrow(), verifierKey, "duet.test/crash");
                assertThat(checkpoint.size()).isEqualTo(bodies.size());
                assertThat(checkpoint.root()).isEqualTo(MerkleProofs.over(bodies.stream().map(MerkleHashes::leaf).toList()).root(0, bodies.size()));
                store.write(tx -> tx.append(EntryDraft.of(null, "test", "after-crash", MAPPER.createObjectNode()), Instant.now()));
            }
        }
        assertThat(totalAcks).isGreaterThan(20);
    }
}
