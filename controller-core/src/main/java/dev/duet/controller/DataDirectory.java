package dev.duet.controller;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The controller's data directory (0700): the SQLite store, the development sealing key, and a lock
 * file held for the controller's lifetime, so two controllers never write one log.
 */
public final class DataDirectory implements AutoCloseable {
    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    public static DataDirectory open(Path root) throws IOException {
        if (!Files.exists(root)) {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        FileChannel channel = FileChannel.open(root.resolve("controller.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("data directory " + root + " is in use by another controller");
        }
        return new DataDirectory(root, channel, lock);
    }

    public Path database() {
        return root.resolve("duet.db");
    }

    public Path sealingKey() {
        return root.resolve("sealing.key");
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
