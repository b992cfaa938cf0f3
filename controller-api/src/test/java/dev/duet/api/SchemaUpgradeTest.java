package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.internal.ControllerSchema;
import dev.duet.log.store.Schema;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written by the release before schema versions (test resource {@code schema-v1},
 * see its README) opened by this code: the file is migrated to the current version, every entry
 * the old release wrote still verifies (export and chain check, each CVM's signed state against its
 * history), and the features that needed the migration work on it: names in routes (the two CVMs
 * that release let share the name {@code db} answer by id only, and the name stays taken), removal
 * from the list, and a new adoption under a freed name, from Debian's sshd.
 */
class SchemaUpgradeTest {
    private static final String WEB = "cvm-b9d64b6e7ec9cb1e";
    private static final String DB_1 = "cvm-4750e3273c362031";
    private static final String BROKEN = "cvm-a0cf6143b3baa623";

    @TempDir Path dir;

    private static int version(Path database) {
        return Jdbi.create("jdbc:sqlite:" + database).withHandle(Schema::versionOf);
    }

    private static byte[] hex(String resource) throws Exception {
        return HexFormat.of().parseHex(new String(SchemaUpgradeTest.class.getResourceAsStream("/schema-v1/" + resource).readAllBytes()).strip());
    }

    @Test
    void aDatabaseOfThePreviousReleaseIsMigratedVerifiesAndGainsNamesAndRemoval() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        for (String file : List.of("duet.db", "sealing.key")) {
            Files.copy(SchemaUpgradeTest.class.getResourceAsStream("/schema-v1/data/" + file), data.resolve(file));
            Files.setPosixFilePermissions(data.resolve(file), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(version(data.resolve("duet.db"))).as("made before schema versions").isZero();
        Ed25519KeyPair key = Ed25519KeyPair.fromEncoded(hex("owner.pkcs8.hex"), hex("owner.spki.hex"));
        // A nonce still inside its window when the upgrade runs: version 6 rebuilds the table, and must keep it.
        long nonceCreated = java.time.Instant.now().getEpochSecond();
        Jdbi.create("jdbc:sqlite:" + data.resolve("duet.db")).useHandle(h -> h.execute(
                "INSERT INTO nonces(key_id, nonce, created) VALUES (?, 'kept-across-the-upgrade-0123', ?)", key.publicKey().keyId(), nonceCreated));

        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(data, List.of())) {
            assertThat(version(data.resolve("duet.db"))).isEqualTo(ControllerSchema.SCHEMA.version()).isEqualTo(7);
            List<Long> kept = Jdbi.create("jdbc:sqlite:" + data.resolve("duet.db")).withHandle(h -> h.select(
                    "SELECT created FROM nonces WHERE key_id = ? AND nonce = 'kept-across-the-upgrade-0123'", key.publicKey().keyId())
                    .mapTo(Long.class).list());
            assertThat(kept).as("the stored nonce, across the rebuild of its table").containsExactly(nonceCreated);
            Path pinned = dir.resolve("controller.pub");
            Files.writeString(pinned, running.controller.signingKey().toPem());
            TestOwner owner = new TestOwner(running.port(), key);

            assertThat(exportVerifies(running, pinned)).contains("all 15 entries");
            for (String cvm : List.of(WEB, DB_1, BROKEN)) {
                EndToEndTest.CliRun state = cli("verify-state", "--controller", running.url(), "--controller-key", pinned.toString(),
                        "--state-dir", dir.resolve("state").toString(), cvm);
                assertThat(state.exit()).as(cvm + ": " + state.out() + state.err()).isZero();
            }

            assertThat(NamesAndRemovalTest.listedNames(owner)).containsExactly("web", "db", "db", "broken");
            assertThat(owner.get("/v1/cvms/web").body().path("payload").path("cvm").path("id").asText()).isEqualTo(WEB);
            assertThat(owner.get("/v1/cvms/broken").body().path("payload").path("cvm").path("id").asText()).isEqualTo(BROKEN);
            assertThat(owner.get("/v1/cvms/db").status()).as("a name two CVMs share picks out neither").isEqualTo(404);
            assertThat(owner.get("/v1/cvms/" + DB_1).status()).isEqualTo(200);
            assertThat(owner.signed("POST", "/v1/cvms", NamesAndRemovalTest.create("db", sshd)).status()).isEqualTo(409);

            assertThat(owner.signed("DELETE", "/v1/cvms/web/listing", null).status()).isEqualTo(200);
            assertThat(owner.signed("DELETE", "/v1/cvms/broken/listing", null).status()).isEqualTo(200);
            assertThat(owner.signed("DELETE", "/v1/cvms/" + DB_1 + "/listing", null).status()).as("in-update").isEqualTo(409);
            assertThat(NamesAndRemovalTest.listedNames(owner)).containsExactly("db", "db");

            TestOwner.Reply created = owner.signed("POST", "/v1/cvms", NamesAndRemovalTest.create("web", sshd));
            assertThat(created.status()).as(created.raw()).isEqualTo(202);
            assertThat(NamesAndRemovalTest.awaitAdopted(owner, "web")).isEqualTo("in-update");
            assertThat(owner.get("/v1/cvms/web").body().path("payload").path("cvm").path("id").asText())
                    .isEqualTo(created.body().path("id").asText());
            assertThat(owner.get("/v1/cvms/" + WEB).body().path("payload").path("cvm").path("mode").asText()).isEqualTo("stopped");
            // 15, two refusals (the create under a taken name, the removal of a running CVM), two removals, an adoption's three
            // (started, the default policy it starts with, adopted).
            assertThat(exportVerifies(running, pinned)).contains("all 22 entries");
        }
    }

    /** Exports the whole log and verifies it offline against the pinned key; returns what the verifier said. */
    private String exportVerifies(RunningController running, Path pinned) throws Exception {
        Path export = dir.resolve("log-" + System.nanoTime() + ".json");
        EndToEndTest.CliRun exported = cli("log", "export", "--controller", running.url(), "--out", export.toString());
        assertThat(exported.exit()).as(exported.err()).isZero();
        EndToEndTest.CliRun verified = cli("log", "verify-export", export.toString(), "--controller-key", pinned.toString());
        assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
        assertThat(verified.out()).startsWith("INTACT");
        return verified.out();
    }
}
