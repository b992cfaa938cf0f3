package dev.duet.provisioner.attest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * configfs-tsm on this machine, for a controller that runs inside a CVM: the report directory
 * (normally {@code /sys/kernel/config/tsm/report}) read and written as files. The kernel creates an
 * entry's attributes on mkdir and removes them on rmdir; attributes are written in place, never
 * created or truncated, as configfs requires.
 */
public final class LocalTsmFs implements TsmFs {
    public static final Path DEFAULT = Path.of("/sys/kernel/config/tsm/report");
    private static final int MAX_ATTRIBUTE = 1 << 20;

    private final Path root;

    public LocalTsmFs(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    @Override
    public boolean hasInterface() {
        return Files.isDirectory(root);
    }

    @Override
    public void mkdir(String entry) throws IOException {
        Files.createDirectory(root.resolve(entry));
    }

    @Override
    public void write(String entry, String attribute, byte[] value) throws IOException {
        Files.write(root.resolve(entry).resolve(attribute), value, StandardOpenOption.WRITE);
    }

    @Override
    public byte[] read(String entry, String attribute) throws IOException {
        Path file = root.resolve(entry).resolve(attribute);
        try (var in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_ATTRIBUTE + 1);
            if (bytes.length > MAX_ATTRIBUTE) {
                throw new IOException("configfs-tsm attribute " + attribute + " is larger than " + MAX_ATTRIBUTE + " bytes");
            }
            return bytes;
        }
    }

    @Override
    public boolean exists(String entry, String attribute) {
        return Files.exists(root.resolve(entry).resolve(attribute));
    }

    @Override
    public void rmdir(String entry) throws IOException {
        Files.delete(root.resolve(entry));
    }
}
