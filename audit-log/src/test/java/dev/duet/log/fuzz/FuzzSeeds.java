package dev.duet.log.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.EntryDraft;
import dev.duet.log.TestSigners;
import dev.duet.log.note.CheckpointSigner;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seed corpus of {@link LogFuzzTest}: real outputs of the log, made by appending entries to a
 * real SQLite log with a checkpoint signer and reading back the stored bytes and the signed
 * checkpoint. The times are fixed and Ed25519 is deterministic, so the same code makes the same
 * bytes; {@link SeedCorpusTest} checks that the committed files are still exactly that.
 */
final class FuzzSeeds {
    static final String INPUTS = "dev/duet/log/fuzz/LogFuzzTestInputs";
    static final String ORIGIN = "duet.example/fuzz";
    static final String SIGNED_CHECKPOINT = "signedCheckpoint/size-5";
    static final String CHECKPOINT_BODY = "checkpointBody/size-5";
    /**
     * RFC 9421 Appendix B.1.4 test-key-ed25519: published, so anyone can remake the corpus. The
     * fuzzer is never given the private half, so whatever it makes must not verify.
     */
    private static final String RFC_PRIVATE = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
    private static final String RFC_PUBLIC = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Draft(String name, String subject, String actor, String kind, String payload, String time) {}

    /**
     * Covers both decoding paths: entries the one-pass scanner certifies (no subject, a first and a
     * later entry of a subject, escapes, non-ASCII names whose UTF-16 order differs from code point
     * order) and one it leaves to the full codec (fractions, exponents, negative zero).
     */
    private static final List<Draft> DRAFTS = List.of(
            new Draft("00-no-subject", null, "controller", "controller.started",
                    "{\"controller_key\":\"" + RFC_PUBLIC + "\",\"version\":\"0.1.0\"}", "2026-01-01T00:00:00Z"),
            new Draft("01-subject-first", "cvm-1", "owner:" + "ab".repeat(32), "cvm.created",
                    "{\"provider\":\"qemu\",\"resources\":{\"cpus\":2,\"disk_gib\":20,\"memory_mib\":4096},"
                            + "\"ssh\":{\"host_key_pin\":\"SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\"}}",
                    "2026-01-01T00:00:01.123Z"),
            new Draft("02-subject-later", "cvm-1", "owner:" + "ab".repeat(32), "command.ran",
                    "{\"argv\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\\n\"],\"big\":9007199254740992,\"empty\":{},\"exit\":-1,"
                            + "\"flags\":[true,false,null],\"none\":[],\"output\":\"aGkK\",\"zero\":0}",
                    "2026-01-01T00:00:02.120Z"),
            new Draft("03-escapes-unicode", "cvm-\u00e9", "controller", "cvm.note",
                    "{\"text\":\"tab\\tnl\\nctl\\u0001 bell\\u0007 quote\\\" back\\\\ \u00e9 \ud83d\ude00\","
                            + "\"\uff41\":1,\"\ud83d\ude00\":2,\"\u20ac\":3}",
                    "2026-02-28T23:59:59.999Z"),
            new Draft("04-numbers", null, "controller", "bench.numbers",
                    "{\"exp\":1e21,\"fraction\":1.5,\"negzero\":-0.0,\"small\":1e-7}", "2028-02-29T12:00:00Z"));

    private FuzzSeeds() {}

    static KeyPair key() {
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(RFC_PUBLIC))),
                    factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(RFC_PRIVATE))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static CheckpointSigner signer() {
        return TestSigners.checkpointSigner(ORIGIN, key());
    }

    /** Each seed by its path under {@link #INPUTS}. */
    static Map<String, byte[]> make(Path database) throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        try (SqliteStore store = SqliteStore.open(database)) {
            CheckpointSigner signer = signer();
            store.signCheckpointsWith(signer);
            for (Draft d : DRAFTS) {
                JsonNode payload = MAPPER.readTree(d.payload());
                store.write(tx -> tx.append(EntryDraft.of(d.subject(), d.actor(), d.kind(), payload), Instant.parse(d.time())));
            }
            List<byte[]> stored = store.read(h -> SqliteAuditLog.encodedRange(h, 0, DRAFTS.size()));
            for (int i = 0; i < DRAFTS.size(); i++) {
                seeds.put("entry/" + DRAFTS.get(i).name(), stored.get(i));
            }
            String note = store.latestCheckpoint().orElseThrow();
            seeds.put(SIGNED_CHECKPOINT, note.getBytes(StandardCharsets.UTF_8));
            seeds.put(CHECKPOINT_BODY, note.substring(0, note.indexOf("\n\n") + 1).getBytes(StandardCharsets.UTF_8));
            seeds.put("verifierKey/" + ORIGIN.replace('/', '_'), signer.verifierKey().toString().getBytes(StandardCharsets.UTF_8));
        }
        return seeds;
    }

    /** A committed seed, as the test class path holds it. */
    static byte[] committed(String path) {
        try (InputStream in = FuzzSeeds.class.getClassLoader().getResourceAsStream(INPUTS + "/" + path)) {
            if (in == null) {
                throw new IllegalStateException("no committed seed " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
