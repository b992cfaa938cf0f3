package dev.duet.provisioner.attest;

import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/** configfs-tsm inside a guest, reached through the controller's SSH session (busybox tools only). */
public final class SshTsmFs implements GuestTsmFs {
    public static final String ROOT = "/sys/kernel/config/tsm/report";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** In the guest: SHA-512(own host key blob ‖ nonce), written as binary to $2/inblob and echoed as hex. */
    private static final String BIND = "set -e; "
            + "b64=$(dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key | sed -n 's/^ssh-ed25519 \\([^ ]*\\).*/\\1/p'); "
            + "[ -n \"$b64\" ]; "
            + "hex=$({ printf '%s' \"$b64\" | base64 -d; printf \"$(printf '%s' \"$1\" | sed 's/../\\\\x&/g')\"; } | sha512sum | cut -d' ' -f1); "
            + "printf \"$(printf '%s' \"$hex\" | sed 's/../\\\\x&/g')\" > \"$2/inblob\"; "
            + "echo \"$hex\"";
    private final SshConnection session;
    private final String root;

    public SshTsmFs(SshConnection session) {
        this(session, ROOT);
    }

    /** With another root, for exercising the protocol's shell side on a plain directory in a guest. */
    public SshTsmFs(SshConnection session, String root) {
        this.session = session;
        this.root = root;
    }

    private CommandOutcome run(String... argv) throws IOException {
        try {
            return session.run(new RemoteCommand(List.of(argv), TIMEOUT, 1 << 20));
        } catch (SshFailure e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String stderr(CommandOutcome outcome) {
        String text = new String(outcome.stderr().bytes(), StandardCharsets.UTF_8).strip();
        int colon = text.lastIndexOf(": ");
        return colon >= 0 ? text.substring(colon + 2) : text;
    }

    private static boolean ok(CommandOutcome outcome) {
        return outcome.exitStatus().isPresent() && outcome.exitStatus().getAsInt() == 0;
    }

    @Override
    public boolean hasInterface() throws IOException {
        return ok(run("test", "-d", root));
    }

    @Override
    public void mkdir(String entry) throws IOException {
        CommandOutcome outcome = run("mkdir", root + "/" + entry);
        if (!ok(outcome)) {
            throw new IOException("mkdir: " + stderr(outcome));
        }
    }

    @Override
    public void write(String entry, String attribute, byte[] value) throws IOException {
        StringBuilder escaped = new StringBuilder();
        for (byte b : value) {
            escaped.append(String.format("\\x%02x", b & 0xff));
        }
        CommandOutcome outcome = run("sh", "-c", "printf \"$1\" > \"$2\"", "sh", escaped.toString(),
                root + "/" + entry + "/" + attribute);
        if (!ok(outcome)) {
            throw new IOException("writing " + attribute + ": " + stderr(outcome));
        }
    }

    @Override
    public byte[] writeHostKeyBinding(String entry, byte[] nonce) throws IOException {
        CommandOutcome outcome = run("sh", "-c", BIND, "sh", HexFormat.of().formatHex(nonce), root + "/" + entry);
        String hex = new String(outcome.stdout().bytes(), StandardCharsets.US_ASCII).strip();
        if (!ok(outcome) || hex.length() != 128) {
            throw new IOException("the guest could not bind its host key: " + stderr(outcome));
        }
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public byte[] read(String entry, String attribute) throws IOException {
        CommandOutcome outcome = run("od", "-An", "-v", "-tx1", root + "/" + entry + "/" + attribute);
        if (!ok(outcome)) {
            throw new IOException("reading " + attribute + ": " + stderr(outcome));
        }
        return HexFormat.of().parseHex(new String(outcome.stdout().bytes(), StandardCharsets.US_ASCII).replaceAll("\\s", ""));
    }

    @Override
    public boolean exists(String entry, String attribute) throws IOException {
        return ok(run("test", "-e", root + "/" + entry + "/" + attribute));
    }

    @Override
    public void rmdir(String entry) throws IOException {
        run("rmdir", root + "/" + entry);
    }
}
