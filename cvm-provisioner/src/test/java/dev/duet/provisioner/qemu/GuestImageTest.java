package dev.duet.provisioner.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest image takes every library from the Debian packages resolved for it, never from the host
 * that builds it. (This machine lacks libtomcrypt1 and libtommath1, as a fresh Debian does: an image
 * whose libraries came from the host would ship without them.)
 */
class GuestImageTest {
    @TempDir Path work;

    /** A program, not a library: where dropbear looks for the sftp subsystem's server (its compiled-in SFTPSERVER_PATH). */
    private static final String SFTP_SERVER = "/usr/lib/sftp-server";

    @Test
    void everyLibraryInTheImageComesFromOneOfItsPackages() throws Exception {
        GuestImage image = QemuGuests.image();
        JsonNode manifest = new ObjectMapper().readTree(image.directory().resolve("manifest.json").toFile());
        Map<String, String> libraries = new TreeMap<>();
        manifest.path("libraries").properties().forEach(e -> libraries.put(e.getKey(), e.getValue().asText()));
        List<Newc.Entry> entries = Newc.read(Files.readAllBytes(image.initrd()));
        List<String> shipped = entries.stream().filter(e -> e.type() != Newc.DIRECTORY)
                .filter(e -> e.name().startsWith("lib/x86_64-linux-gnu/") || e.name().startsWith("usr/lib/") || e.name().startsWith("lib64/"))
                .map(e -> "/" + e.name()).filter(name -> !name.equals(SFTP_SERVER)).toList();
        assertThat(entries.stream().map(e -> "/" + e.name())).as("the sftp subsystem's program").contains(SFTP_SERVER);

        assertThat(shipped).contains("/usr/lib/x86_64-linux-gnu/libtomcrypt.so.1", "/usr/lib/x86_64-linux-gnu/libtommath.so.1",
                "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6");
        assertThat(libraries.keySet()).as("every library file in the initramfs, and only those, with its package")
                .containsExactlyInAnyOrderElementsOf(shipped);
        assertThat(libraries).containsEntry("/usr/lib/x86_64-linux-gnu/libtomcrypt.so.1", "libtomcrypt1")
                .containsEntry("/usr/lib/x86_64-linux-gnu/libtommath.so.1", "libtommath1")
                .containsEntry("/lib/x86_64-linux-gnu/libc.so.6", "libc6");
        assertThat(image.packages()).containsKeys("dropbear-bin", "busybox-static", "openssh-sftp-server", "libtomcrypt1", "libtommath1", "libc6")
                .allSatisfy((name, version) -> assertThat(version).isNotBlank());
        assertThat(image.packages().keySet()).containsAll(libraries.values());
    }

    @Test
    void aLibraryNoPackageProvidesFailsTheBuildNamingIt() throws Exception {
        Path packages = work.resolve("packages");
        Newc.unpack(Newc.read(Files.readAllBytes(QemuGuests.image().initrd())), packages);
        Path root = Files.createDirectories(work.resolve("root/sbin"));
        Files.copy(packages.resolve("sbin/dropbear"), root.resolve("dropbear"));
        Files.delete(packages.resolve("usr/lib/x86_64-linux-gnu/libtomcrypt.so.1"));

        Result missing = libraries(packages, work.resolve("root"));
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.stderr().strip())
                .isEqualTo("build-image: cannot resolve libtomcrypt.so.1 (needed by /sbin/dropbear) in the image's packages");
        assertThat(work.resolve("root/usr")).doesNotExist();
    }

    @Test
    void aLibraryInNoPackageOfTheImageFailsTheBuild() throws Exception {
        Path tree = work.resolve("tree");
        Newc.unpack(Newc.read(Files.readAllBytes(QemuGuests.image().initrd())), tree);
        Path root = Files.createDirectories(work.resolve("root/sbin"));
        Files.copy(tree.resolve("sbin/dropbear"), root.resolve("dropbear"));

        Result unowned = libraries(tree, work.resolve("root"));
        assertThat(unowned.exit()).isEqualTo(1);
        assertThat(unowned.stderr().strip()).isEqualTo("build-image: /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
                + " (/lib64/ld-linux-x86-64.so.2, needed by /sbin/dropbear) is in no package of the image");
    }

    record Result(int exit, String stderr) {}

    /** The build's library resolver, as shipped in the jar, over an unpacked tree with no packages named. */
    private Result libraries(Path tree, Path root) throws Exception {
        Path script = work.resolve("libraries.py");
        try (InputStream in = GuestImage.class.getResourceAsStream("/dev/duet/provisioner/guest/libraries.py")) {
            Files.copy(in, script);
        }
        Process process = new ProcessBuilder("python3", script.toString(), tree.toString(), root.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), stderr);
    }
}
