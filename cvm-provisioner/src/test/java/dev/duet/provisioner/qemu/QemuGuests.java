package dev.duet.provisioner.qemu;

import java.nio.file.Path;
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

    /** Whether a QEMU process named for {@code vmName} still exists anywhere on the machine. */
    public static boolean qemuRunning(String vmName) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .map(line -> line.contains(QemuProvider.BINARY) && line.contains("-name duet-" + vmName + " ")).orElse(false));
    }
}
