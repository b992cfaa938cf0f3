package dev.duet.provisioner.qemu;

import dev.duet.provisioner.ssh.SshKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts duet guests as QEMU child processes. KVM is used only if a probe boot under KVM reaches
 * the ready marker; otherwise (as on these machines, whose /dev/kvm is a nested PVM device that
 * cannot boot a stock kernel) TCG, and {@link #acceleratorReason()} says why. Every VM it started
 * is killed by {@link #close()} and by a shutdown hook, so none outlives an orderly stop; and each
 * QEMU runs under {@code setpriv --pdeathsig KILL}, started from one long-lived launcher thread, so
 * the kernel kills it when the controller's JVM dies without stopping (SIGKILL, crash).
 */
public final class QemuProvider implements AutoCloseable {
    public static final String BINARY = "qemu-system-x86_64";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration KVM_PROBE_TIMEOUT = Duration.ofSeconds(8);

    private final GuestImage image;
    private final Path workDirectory;
    private final String accelerator;
    private final String acceleratorReason;
    private final String cmdline;
    private final Map<String, QemuVm> running = new ConcurrentHashMap<>();
    private final Thread shutdownHook = new Thread(this::close, "duet-qemu-shutdown");
    /** PR_SET_PDEATHSIG follows the thread that forked, so one thread that lives as long as the provider forks all. */
    private final java.util.concurrent.ExecutorService launcher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "duet-qemu-launcher");
        thread.setDaemon(true);
        return thread;
    });

    private QemuProvider(GuestImage image, Path workDirectory, String accelerator, String acceleratorReason) throws IOException {
        this.image = image;
        this.workDirectory = workDirectory;
        this.accelerator = accelerator;
        this.acceleratorReason = acceleratorReason;
        this.cmdline = GuestCmdline.forAccelerator(accelerator, Path.of("/proc/cpuinfo"));
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** {@code accelerator}: "kvm", "tcg", or empty to probe. */
    public static QemuProvider start(GuestImage image, Path workDirectory, Optional<String> accelerator)
            throws IOException, InterruptedException {
        Files.createDirectories(workDirectory);
        if (accelerator.isPresent()) {
            return new QemuProvider(image, workDirectory, accelerator.get(), "chosen by configuration");
        }
        Path kvm = Path.of("/dev/kvm");
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            return new QemuProvider(image, workDirectory, "tcg", "no usable /dev/kvm");
        }
        Optional<String> failure = probe(image, workDirectory, "kvm", KVM_PROBE_TIMEOUT);
        return failure.isEmpty() ? new QemuProvider(image, workDirectory, "kvm", "a probe guest booted under KVM")
                : new QemuProvider(image, workDirectory, "tcg", "KVM present but a probe guest did not boot under it ("
                        + failure.get() + ")");
    }

    /**
     * Boots a throwaway guest under {@code accelerator}, with a real host key (the guest reports ready
     * only once its SSH server listens, which needs one); empty if it was ready within {@code timeout},
     * else why not.
     */
    static Optional<String> probe(GuestImage image, Path workDirectory, String accelerator, Duration timeout)
            throws IOException, InterruptedException {
        QemuProvider probe = new QemuProvider(image, workDirectory, accelerator, "probe");
        try (QemuVm vm = probe.launch(accelerator + "-probe",
                SshKeys.authorizedKeyLine(SshKeys.generateEd25519().getPublic(), "probe"),
                SshKeys.dropbearPrivateKey(SshKeys.generateEd25519()))) {
            vm.awaitReady(timeout);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        } finally {
            probe.close();
        }
    }

    public GuestImage image() {
        return image;
    }

    public String accelerator() {
        return accelerator;
    }

    public String acceleratorReason() {
        return acceleratorReason;
    }

    /** The kernel command line this provider's guests boot with ({@link GuestCmdline}); their measurement covers it. */
    public String cmdline() {
        return cmdline;
    }

    /**
     * Starts a guest that will accept only {@code authorizedKey} and present the host key whose
     * private form in dropbear's format ({@link SshKeys#dropbearPrivateKey}) is {@code hostKey}.
     * Returns at once; see {@link QemuVm#awaitReady}.
     */
    public QemuVm launch(String name, String authorizedKey, byte[] hostKey) throws IOException {
        Path directory = Files.createTempDirectory(workDirectory, name + "-");
        Path keys = directory.resolve("authorized_keys");
        Path hostKeyFile = directory.resolve("hostkey");
        Files.writeString(keys, authorizedKey + "\n", StandardCharsets.US_ASCII);
        Files.createFile(hostKeyFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.write(hostKeyFile, hostKey);
        int port = freePort();
        QemuCommandLine line = new QemuCommandLine(BINARY, "duet-" + name, accelerator, 128, 1, port,
                directory.resolve("serial.log"), image, cmdline, Map.of("authorized_keys", keys, "hostkey", hostKeyFile),
                Confidential.NONE, Optional.empty());
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("setpriv", "--pdeathsig", "KILL", "--"));
        command.addAll(line.arguments());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("qemu.log").toFile());
        Process process;
        try {
            process = launcher.submit(builder::start).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting QEMU", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("cannot start QEMU", e.getCause());
        }
        QemuVm vm = new QemuVm(name, process, port, directory.resolve("serial.log"), directory, accelerator);
        running.put(name, vm);
        process.onExit().thenRun(() -> running.remove(name, vm));
        return vm;
    }

    public Duration readyTimeout() {
        return READY_TIMEOUT;
    }

    /** A loopback port nobody listens on now; QEMU fails loudly if another process takes it first. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        running.values().forEach(QemuVm::close);
        running.clear();
        launcher.shutdown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // Called from the hook itself.
        }
    }
}
