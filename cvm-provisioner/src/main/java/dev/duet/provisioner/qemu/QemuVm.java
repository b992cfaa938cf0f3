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
    private static final int MAX_REASON = 400;

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
     * before that, so the marker, not a connect, decides; the guest prints it only once dropbear
     * lives and listens, and otherwise a failure marker with the reason, which this throws. No fixed
     * sleep: the log is polled every 10 ms (it holds a few lines) and the process watched.
     */
    public void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            String serial = serial();
            if (serial.contains(READY)) {
                return;
            }
            throwIfFailed(serial, false);
            if (process.waitFor(10, TimeUnit.MILLISECONDS)) {
                String last = serial();
                throwIfFailed(last, true);
                throw new IOException("QEMU exited with status " + process.exitValue() + " before the guest was ready: "
                        + printable(panic(last).orElse(lastLine(last))));
            }
        }
        throw new IOException("the guest was not ready within " + timeout.toSeconds() + " s (serial: "
                + printable(lastLine(serial())) + ")");
    }

    /** Throws the guest's failure marker with its reason, once the line is complete (or QEMU has exited). */
    private static void throwIfFailed(String serial, boolean exited) throws IOException {
        int at = serial.indexOf(FAILED);
        int end = at < 0 ? -1 : serial.indexOf('\n', at);
        if (at >= 0 && (end >= 0 || exited)) {
            String reason = serial.substring(at + FAILED.length(), end < 0 ? serial.length() : end).replaceFirst("^:\\s*", "");
            throw new IOException("the guest failed to start: " + printable(reason.strip()));
        }
    }

    /** The guest's words as one bounded line of printable ASCII: they end up in the log and on terminals. */
    private static String printable(String text) {
        String bounded = text.length() > MAX_REASON ? text.substring(0, MAX_REASON) + "..." : text;
        return bounded.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The kernel's panic message, which says more than the stack trace printed after it. */
    private static java.util.Optional<String> panic(String serial) {
        return serial.lines().filter(line -> line.contains("Kernel panic")).findFirst().map(String::strip);
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
