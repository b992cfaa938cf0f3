package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline verification runs in bounded memory, whatever the size of the export: a 64 MB export of
 * 100 kB entries is verified (intact, and tampered near its end so that the full path names the
 * entry) by a CLI whose heap is half the file. Running out of memory is "could not verify" (exit 2),
 * promptly, never "tampered" (exit 1) and never a hang. The 600 MB run is bench/export-memory.sh.
 */
class ExportMemoryTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(90);
    @TempDir Path dir;
    private final Ed25519KeyPair key = Ed25519KeyPair.generate();
    private Path pub;

    @BeforeEach
    void writeKey() throws Exception {
        pub = dir.resolve("controller.pub");
        Files.writeString(pub, key.publicKey().toPem());
    }

    @Test
    void anExportTwiceTheHeapIsVerifiedAndATamperedEntryNamed() throws Exception {
        Path intact = dir.resolve("intact.json");
        GeneratedExport.write(intact, key, 640, i -> 100_000, -1);
        ChildCli.Result ok = ChildCli.run(dir, "32m", PROMPTLY, "log", "verify-export", intact.toString(), "--controller-key", pub.toString());
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).startsWith("INTACT: all 640 entries");

        Path tampered = dir.resolve("tampered.json");
        GeneratedExport.write(tampered, key, 640, i -> 100_000, 600);
        assertThat(Files.size(tampered)).isGreaterThan(64_000_000);
        ChildCli.Result bad = ChildCli.run(dir, "32m", PROMPTLY, "log", "verify-export", tampered.toString(), "--controller-key", pub.toString());
        assertThat(bad.exit()).as(bad.out() + bad.err()).isEqualTo(1);
        assertThat(bad.out()).startsWith("TAMPERED").contains("first bad index 600");
    }

    @Test
    void runningOutOfMemoryIsCouldNotVerifyAndReturnsPromptly() throws Exception {
        Path file = dir.resolve("huge-entry.json");
        GeneratedExport.write(file, key, 20, i -> i == 10 ? 16_000_000 : 1_000, 15);
        ChildCli.Result r = ChildCli.run(dir, "32m", PROMPTLY, "log", "verify-export", file.toString(), "--controller-key", pub.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("TAMPERED").doesNotContain("INTACT");
        assertThat(r.err()).startsWith("duet: could not verify").contains("out of memory").doesNotContain("\tat ").doesNotContain("Error");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
    }
}
