package dev.duet.provisioner.qemu;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cpio "newc" format of the guest's initramfs (the kernel's early-userspace buffer format): enough
 * to read an image's entries, unpack them, and write an archive the kernel unpacks after it.
 */
final class Newc {
    static final int DIRECTORY = 0040000;
    static final int REGULAR = 0100000;
    static final int SYMLINK = 0120000;
    static final int FIFO = 0010000;
    private static final int TYPE = 0170000;
    private static final String MAGIC = "070701";
    private static final String TRAILER = "TRAILER!!!";

    record Entry(String name, int mode, byte[] data) {
        int type() {
            return mode & TYPE;
        }
    }

    private Newc() {}

    static List<Entry> read(byte[] archive) {
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        while (true) {
            String magic = new String(archive, at, 6, StandardCharsets.US_ASCII);
            if (!magic.equals(MAGIC)) {
                throw new IllegalArgumentException("no newc header at offset " + at);
            }
            int mode = field(archive, at, 1);
            int size = field(archive, at, 6);
            int nameSize = field(archive, at, 11);
            String name = new String(archive, at + 110, nameSize - 1, StandardCharsets.US_ASCII);
            int data = align(at + 110 + nameSize);
            if (name.equals(TRAILER)) {
                return entries;
            }
            entries.add(new Entry(name.startsWith("./") ? name.substring(2) : name, mode,
                    java.util.Arrays.copyOfRange(archive, data, data + size)));
            at = align(data + size);
        }
    }

    /** Unpacks the entries under {@code directory}, symlinks as symlinks (their targets are not followed). */
    static void unpack(List<Entry> entries, Path directory) throws java.io.IOException {
        for (Entry entry : entries) {
            Path path = directory.resolve(entry.name()).normalize();
            if (!path.startsWith(directory)) {
                throw new IllegalArgumentException("entry outside the archive: " + entry.name());
            }
            switch (entry.type()) {
                case DIRECTORY -> Files.createDirectories(path);
                case SYMLINK -> Files.createSymbolicLink(path, Path.of(new String(entry.data(), StandardCharsets.US_ASCII)));
                case REGULAR -> {
                    Files.write(path, entry.data());
                    path.toFile().setExecutable((entry.mode() & 0111) != 0);
                }
                default -> { }
            }
        }
    }

    static Entry symlink(String name, String target) {
        return new Entry(name, SYMLINK | 0777, target.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] write(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int ino = 0x7f000000;
        for (Entry entry : entries) {
            header(out, ino++, entry.mode(), entry.data().length, entry.name());
            out.writeBytes(entry.data());
            pad(out);
        }
        header(out, 0, 0, 0, TRAILER);
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, int ino, int mode, int size, String name) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        int[] fields = {ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameBytes.length, 0};
        StringBuilder header = new StringBuilder(MAGIC);
        for (int value : fields) {
            header.append(String.format("%08x", value));
        }
        out.writeBytes(header.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(nameBytes);
        pad(out);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }

    private static int field(byte[] archive, int header, int index) {
        return Integer.parseUnsignedInt(new String(archive, header + 6 + 8 * index, 8, StandardCharsets.US_ASCII), 16);
    }

    private static int align(int offset) {
        return (offset + 3) & ~3;
    }
}
