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
public final class SshTsmFs implements TsmFs {
    public static final String ROOT = "/sys/kernel/config/tsm/report";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final SshConnection session;

    public SshTsmFs(SshConnection session) {
        this.session = session;
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
        return ok(run("test", "-d", ROOT));
    }

    @Override
    public void mkdir(String entry) throws IOException {
        CommandOutcome outcome = run("mkdir", ROOT + "/" + entry);
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
                ROOT + "/" + entry + "/" + attribute);
        if (!ok(outcome)) {
            throw new IOException("writing " + attribute + ": " + stderr(outcome));
        }
    }

    @Override
    public byte[] read(String entry, String attribute) throws IOException {
        CommandOutcome outcome = run("od", "-An", "-v", "-tx1", ROOT + "/" + entry + "/" + attribute);
        if (!ok(outcome)) {
            throw new IOException("reading " + attribute + ": " + stderr(outcome));
        }
        return HexFormat.of().parseHex(new String(outcome.stdout().bytes(), StandardCharsets.US_ASCII).replaceAll("\\s", ""));
    }

    @Override
    public boolean exists(String entry, String attribute) throws IOException {
        return ok(run("test", "-e", ROOT + "/" + entry + "/" + attribute));
    }

    @Override
    public void rmdir(String entry) throws IOException {
        run("rmdir", ROOT + "/" + entry);
    }
}
