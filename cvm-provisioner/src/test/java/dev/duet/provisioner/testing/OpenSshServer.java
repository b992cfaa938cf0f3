package dev.duet.provisioner.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real OpenSSH {@code sshd}, started in the foreground on a free loopback port with its own
 * config, host key and authorized_keys in a directory of the test's. As root it needs
 * {@code /run/sshd}; otherwise it can log in only the current user. It serves the {@code sftp}
 * subsystem as a CVM must for file transfers. Stopped by killing the process.
 */
public final class OpenSshServer implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    /** Debian's openssh-sftp-server, which openssh-server depends on: the controller's file transfers need it. */
    public static final Path SFTP_SERVER = Path.of("/usr/lib/openssh/sftp-server");

    private final Path dir;
    private final int port;
    private Process process;

    private OpenSshServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts sshd with a fresh host key and a fresh bootstrap key as the only authorized key. */
    public static OpenSshServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, false);
    }

    /**
     * With {@code secondKeysFile}, sshd also reads {@code authorized_keys2}, which holds the bootstrap
     * key too: a machine with another way in that adoption must notice.
     */
    public static OpenSshServer start(Path dir, boolean secondKeysFile) throws IOException, InterruptedException {
        if (!Files.isExecutable(SSHD)) {
            throw new IllegalStateException(SSHD + " is missing: install Debian's openssh-server (./duet test does)");
        }
        Files.createDirectories(dir);
        keygen(dir.resolve("host_ed25519"));
        keygen(dir.resolve("bootstrap_ed25519"));
        Files.copy(dir.resolve("bootstrap_ed25519.pub"), dir.resolve("authorized_keys"));
        String keysFiles = dir.resolve("authorized_keys").toString();
        if (secondKeysFile) {
            Files.copy(dir.resolve("bootstrap_ed25519.pub"), dir.resolve("authorized_keys2"));
            keysFiles += " " + dir.resolve("authorized_keys2");
        }
        if ("root".equals(user())) {
            Files.createDirectories(Path.of("/run/sshd"));
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                    "ListenAddress 127.0.0.1",
                    "Port " + port,
                    "HostKey " + dir.resolve("host_ed25519"),
                    "AuthorizedKeysFile " + keysFiles,
                    "PidFile " + dir.resolve("sshd.pid"),
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "UsePAM no",
                    "StrictModes no",
                    "LogLevel VERBOSE",
                    "Subsystem sftp " + SFTP_SERVER,
                    ""));
            Process process = launch(dir);
            if (awaitListening(dir, port, process)) {
                return new OpenSshServer(dir, port, process);
            }
            process.destroyForcibly().waitFor();
            last = new IOException("sshd did not listen on " + port + ": " + Files.readString(dir.resolve("sshd.out")) + log(dir));
        }
        throw last;
    }

    /** Starts sshd again with the same config, host key and port (after {@link #close()}). */
    public void restart() throws IOException, InterruptedException {
        Files.deleteIfExists(dir.resolve("sshd.log"));
        process = launch(dir);
        if (!awaitListening(dir, port, process)) {
            throw new IOException("sshd did not come back on " + port + ": " + log(dir));
        }
    }

    private static Process launch(Path dir) throws IOException {
        return new ProcessBuilder(SSHD.toString(), "-D", "-f", dir.resolve("sshd_config").toString(), "-E", dir.resolve("sshd.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.out").toFile())
                .start();
    }

    public static String user() {
        return System.getProperty("user.name");
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path authorizedKeys() {
        return dir.resolve("authorized_keys");
    }

    public String hostPublicKey() throws IOException {
        return Files.readString(dir.resolve("host_ed25519.pub")).strip();
    }

    public String bootstrapPrivateKey() throws IOException {
        return Files.readString(dir.resolve("bootstrap_ed25519"));
    }

    public Path bootstrapKeyFile() {
        return dir.resolve("bootstrap_ed25519");
    }

    public String log() throws IOException {
        return log(dir);
    }

    private static String log(Path dir) throws IOException {
        Path log = dir.resolve("sshd.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * True once {@code program} runs under this sshd with exactly {@code arguments}, i.e. that command
     * has started in a session. The arguments matter: a login shell's own start-up files may run the
     * same program (a {@code sleep 0.1} in a lock loop), and killing a session then would kill them
     * midway.
     */
    public boolean runs(String program, String... arguments) {
        return process.descendants().anyMatch(p -> p.info().command().map(c -> c.endsWith("/" + program)).orElse(false)
                && Arrays.equals(p.info().arguments().orElse(new String[0]), arguments));
    }

    /**
     * Kills every per-connection sshd process with SIGKILL, as a crash of the machine's SSH server
     * would: each session ends without an exit status for what it ran. The listener stays, so new
     * connections work. What the sessions had started is killed afterwards, so it does not linger.
     */
    public void killSessions() {
        List<ProcessHandle> below = process.descendants().toList();
        for (ProcessHandle p : below) {
            if (p.info().command().map(c -> c.endsWith("/sshd") || c.endsWith("/sshd-session")).orElse(false)) {
                p.destroyForcibly();
                p.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> p).join();
            }
        }
        below.forEach(ProcessHandle::destroyForcibly);
    }

    /** Stops sshd and its per-connection children, which would otherwise outlive it and keep writing its log. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
            child.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> child).join();
        }
    }

    private static void keygen(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", file.getFileName().toString(), "-f", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("ssh-keygen failed: " + out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Waits for sshd's own "Server listening" log line. Probing the port instead would open a
     * connection whose forked child logs into the directory after the test has stopped sshd.
     */
    private static boolean awaitListening(Path dir, int port, Process process) throws InterruptedException, IOException {
        String ready = "Server listening on 127.0.0.1 port " + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (log(dir).contains(ready)) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
