package dev.duet.provisioner.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The guest image and a TCG provider for tests; the image is built once into the user's cache. */
public final class QemuGuests {
    private static GuestImage image;

    private QemuGuests() {}

    public static synchronized GuestImage image() throws Exception {
        if (image == null) {
            image = GuestImage.ensure(GuestImage.defaultDirectory());
        }
        return image;
    }

    public static QemuProvider tcgProvider(Path work) throws Exception {
        return QemuProvider.start(image(), work, Optional.of("tcg"));
    }

    /**
     * A copy of {@code image} in {@code directory} in which {@code path} is a symlink to nowhere, as if
     * the build had left that file out (the defect of a library taken from a host that lacked it): its
     * initramfs is the image's with a second archive appended, which the kernel unpacks over the first.
     */
    public static GuestImage withMissingFile(GuestImage image, Path directory, String path) throws Exception {
        Files.createDirectories(directory);
        Files.createSymbolicLink(directory.resolve("vmlinux"), image.kernel());
        ByteArrayOutputStream initramfs = new ByteArrayOutputStream();
        initramfs.writeBytes(Files.readAllBytes(image.initrd()));
        while (initramfs.size() % 4 != 0) {
            initramfs.write(0);
        }
        initramfs.writeBytes(Newc.write(List.of(Newc.symlink(path.replaceFirst("^/", ""), "/missing-from-the-image"))));
        Files.write(directory.resolve("initramfs.cpio"), initramfs.toByteArray());
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(image.directory().resolve("manifest.json").toFile());
        ((ObjectNode) manifest.get("files")).put("initramfs.cpio",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(initramfs.toByteArray())));
        json.writeValue(directory.resolve("manifest.json").toFile(), manifest);
        return GuestImage.load(directory);
    }

    /** The release of the image's kernel, as its modules' directory is named. */
    public static String kernelRelease(GuestImage image) throws java.io.IOException {
        return new ObjectMapper().readTree(image.directory().resolve("manifest.json").toFile()).path("kernel_release").asText();
    }

    /** Whether a QEMU process named for {@code vmName} still exists anywhere on the machine. */
    public static boolean qemuRunning(String vmName) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .map(line -> line.contains(QemuProvider.BINARY) && line.contains("-name duet-" + vmName + " ")).orElse(false));
    }
}
