package dev.duet.provisioner.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.provisioner.ssh.SshKeys;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
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

    /** What /init mounts with one mount -a, and the pipe its ready loop pauses on without starting a program. */
    @Test
    void theImageCarriesInitsFstabAndItsPausePipe() throws Exception {
        Map<String, Newc.Entry> entries = new TreeMap<>();
        Newc.read(Files.readAllBytes(QemuGuests.image().initrd())).forEach(e -> entries.put(e.name(), e));

        assertThat(entries.get("run/pause")).as("/run/pause").isNotNull()
                .satisfies(pause -> assertThat(pause.type()).as("a FIFO").isEqualTo(Newc.FIFO))
                .satisfies(pause -> assertThat(pause.mode() & 0777).as("root's alone").isEqualTo(0600));
        assertThat(entries.get("etc/fstab")).as("/etc/fstab").isNotNull()
                .satisfies(fstab -> assertThat(new String(fstab.data(), StandardCharsets.US_ASCII))
                        .isEqualTo("proc /proc proc defaults 0 0\nsysfs /sys sysfs defaults 0 0\ndevtmpfs /dev devtmpfs defaults 0 0\n"));
    }

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

    /**
     * The image's own dropbearkey reads the host key the controller writes and names the same public
     * key (it prints the file's public half; that the seed matches it is checked below, and by every
     * guest's key exchange).
     */
    @Test
    void theImagesDropbearReadsTheHostKeyInTheFormTheControllerWritesIt() throws Exception {
        Path tree = work.resolve("tree");
        Newc.unpack(Newc.read(Files.readAllBytes(QemuGuests.image().initrd())), tree);
        KeyPair pair = SshKeys.generateEd25519();
        Path key = Files.write(work.resolve("hostkey"), SshKeys.dropbearPrivateKey(pair));

        Result read = inImage(tree, "/sbin/dropbearkey", "-y", "-f", key.toString());
        assertThat(read.exit()).as(read.stderr()).isZero();
        assertThat(read.stdout().lines()).as("the public key dropbear reads from the file")
                .anyMatch(line -> line.startsWith(SshKeys.openSshPublicKey(pair.getPublic()) + " "));

        Files.write(key, Arrays.copyOf(SshKeys.dropbearPrivateKey(pair), 40));
        assertThat(inImage(tree, "/sbin/dropbearkey", "-y", "-f", key.toString()).exit()).as("a truncated key").isNotZero();
    }

    /** Modules, their two load lists and the modules.dep modprobe reads: nothing whose presence depends on the host's kmod. */
    @Test
    void theModulesDirectoryHoldsOnlyWhatTheGuestReads() throws Exception {
        GuestImage image = QemuGuests.image();
        String directory = "lib/modules/" + QemuGuests.kernelRelease(image) + "/";
        List<String> files = Newc.read(Files.readAllBytes(image.initrd())).stream().filter(e -> e.type() == Newc.REGULAR)
                .map(Newc.Entry::name).filter(name -> name.startsWith("lib/modules/")).toList();
        assertThat(files).allMatch(name -> name.startsWith(directory))
                .contains(directory + "modules.dep", directory + "order", directory + "attest.order", directory + "tsm.ko")
                .allMatch(name -> name.endsWith(".ko") || List.of("modules.dep", "order", "attest.order")
                        .contains(name.substring(directory.length())));
    }

    @Test
    void onlyAMatchingEd25519PairHasADropbearForm() {
        KeyPair one = SshKeys.generateEd25519();
        KeyPair other = SshKeys.generateEd25519();
        assertThatThrownBy(() -> SshKeys.dropbearPrivateKey(new KeyPair(other.getPublic(), one.getPrivate())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the public key is not the private key's");
        byte[] form = SshKeys.dropbearPrivateKey(one);
        assertThat(form).hasSize(4 + 11 + 4 + 64)
                .startsWith(0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 64);
        assertThat(new Ed25519PrivateKeyParameters(form, 19).generatePublicKey().getEncoded()).as("the seed's public key")
                .isEqualTo(Arrays.copyOfRange(form, 51, 83)).isEqualTo(Arrays.copyOfRange(SshKeys.publicKeyBlob(one.getPublic()), 19, 51));
    }

    /** A program of the unpacked image, run by the image's own loader with only the image's libraries. */
    private static Result inImage(Path tree, String program, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(tree.resolve("lib64/ld-linux-x86-64.so.2").toString(),
                "--inhibit-cache", "--library-path", tree.resolve("lib/x86_64-linux-gnu") + ":" + tree.resolve("usr/lib/x86_64-linux-gnu"),
                tree.resolve(program.substring(1)).toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    /** Runs {@code command} to its end (small outputs only: stdout is read before stderr). */
    private static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), stdout, stderr);
    }

    record Result(int exit, String stdout, String stderr) {}

    /** The build's library resolver, as shipped in the jar, over an unpacked tree with no packages named. */
    private Result libraries(Path tree, Path root) throws Exception {
        Path script = work.resolve("libraries.py");
        try (InputStream in = GuestImage.class.getResourceAsStream("/dev/duet/provisioner/guest/libraries.py")) {
            Files.copy(in, script);
        }
        return run(List.of("python3", script.toString(), tree.toString(), root.toString()));
    }
}
