package dev.duet.attestation.source;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Collateral is read from bounded regular files only: a FIFO, a device or a huge file is an IO error naming the file. */
class CollateralFilesTest {
    @TempDir Path dir;

    @Test
    void regularFilesAndDirectoriesOfThemLoad() throws Exception {
        Files.write(dir.resolve("tcbinfo.json"), bytes("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json"));
        Files.write(dir.resolve("pck.der"), bytes("sgx/collateral/pck_platform_crl_2025_automata.der"));
        Files.createDirectory(dir.resolve("older"));
        assertThat(CollateralFiles.load(List.of(dir)).tcbInfos()).hasSize(1);
        assertThat(CollateralFiles.load(List.of(dir.resolve("pck.der"))).crls()).hasSize(1);
    }

    @Test
    void onlyBoundedRegularFilesAreRead() throws Exception {
        Path huge = dir.resolve("huge.json");
        try (RandomAccessFile sparse = new RandomAccessFile(huge.toFile(), "rw")) {
            sparse.setLength(CollateralFiles.MAX_FILE_BYTES + 1);
        }
        assertThatThrownBy(() -> CollateralFiles.load(List.of(huge))).isInstanceOf(FileSystemException.class)
                .hasMessageContaining(huge.toString()).hasMessageContaining("larger than 16 MiB");
        assertThatThrownBy(() -> CollateralFiles.load(List.of(Path.of("/dev/zero")))).isInstanceOf(FileSystemException.class)
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> CollateralFiles.load(List.of(dir.resolve("absent.json"))))
                .isInstanceOf(NoSuchFileException.class);
        Path fifo = dir.resolve("fifo.json");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThatThrownBy(() -> CollateralFiles.load(List.of(fifo))).isInstanceOf(FileSystemException.class)
                    .hasMessageContaining("not a regular file");
            assertThatThrownBy(() -> CollateralFiles.load(List.of(dir))).isInstanceOf(FileSystemException.class)
                    .hasMessageContaining(fifo.toString()).hasMessageContaining("not a regular file");
        });
    }
}
