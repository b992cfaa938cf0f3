package dev.duet.provisioner.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * One running guest: the QEMU child process this JVM started and waits on, its SSH port on
 * loopback and its serial log. Closing it kills the process if it is still there.
 */
public final class QemuVm implements AutoCloseable {
    public static final String READY = "DUET-READY";
    private static final String FAILED = "DUET-FAILED";

    private final String name;
    private final Process process;
    private final int sshPort;
    private final Path serialLog;
    private final Path directory;
    private final String accelerator;

    QemuVm(String name, Process process, int sshPort, Path serialLog, Path directory, String accelerator) {
        this.name = name;
        this.process = process;
        this.sshPort = sshPort;
        this.serialLog = serialLog;
        this.directory = directory;
        this.accelerator = accelerator;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public int sshPort() {
        return sshPort;
    }

    public String accelerator() {
        return accelerator;
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** What the guest printed on its serial console so far. */
    public String serial() {
        try {
            return Files.isRegularFile(serialLog) ? Files.readString(serialLog, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Waits until the guest says its SSH server listens. QEMU's port forward accepts connections
     * before that, so the marker, not a connect, decides. No fixed sleep: the log is polled every
     * 50 ms and the process watched.
     */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String serial = serial();
            if (serial.contains(READY)) {
                return;
            }
            if (serial.contains(FAILED)) {
                throw new IOException("the guest failed to start: " + lastLine(serial));
            }
            if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                throw new IOException("QEMU exited with status " + process.exitValue() + " before the guest was ready: "
                        + lastLine(serial));
            }
        }
        throw new IOException("the guest was not ready within " + timeout.toSeconds() + " s (serial: "
                + lastLine(serial()) + ")");
    }

    private static String lastLine(String serial) {
        String[] lines = serial.strip().split("\n");
        return lines.length == 0 || lines[lines.length - 1].isBlank() ? "nothing" : lines[lines.length - 1].strip();
    }

    /** Waits up to {@code grace} for the guest to power itself off, then kills QEMU. */
    public void stop(Duration grace) throws InterruptedException {
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroy();
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        deleteDirectory();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteDirectory();
    }

    private void deleteDirectory() {
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A leftover temp directory holds no secret: the host key in it is public to the host anyway.
        }
    }
}
