package dev.duet.provisioner.ssh;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/** An authenticated SSH session to one machine; one exec channel per command, reused across commands. */
public final class SshConnection implements AutoCloseable {
    private final SshEndpoint endpoint;
    private final ClientSession session;

    SshConnection(SshEndpoint endpoint, ClientSession session) {
        this.endpoint = endpoint;
        this.session = session;
    }

    public boolean isOpen() {
        return session.isOpen() && session.isAuthenticated();
    }

    /** The server's host key as it was verified during key exchange. */
    public java.security.PublicKey hostKey() {
        return session.getServerKey();
    }

    /**
     * Runs the argv (quoted per {@link ShellQuoting}), capturing stdout and stderr separately. On
     * timeout the channel is closed and the outcome says so; the remote program may outlive it.
     */
    public CommandOutcome run(RemoteCommand command) throws SshFailure {
        String line = ShellQuoting.quote(command.argv());
        long deadline = System.nanoTime() + command.timeout().toNanos();
        CapturedOutput.Sink out = new CapturedOutput.Sink(command.outputCap());
        CapturedOutput.Sink err = new CapturedOutput.Sink(command.outputCap());
        try (ChannelExec channel = session.createExecChannel(line)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(command.timeout());
            long remainingMillis = Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis());
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), remainingMillis);
            boolean timedOut = !events.contains(ClientChannelEvent.CLOSED);
            if (timedOut) {
                channel.close(true);
            }
            Integer status = timedOut ? null : channel.getExitStatus();
            String signal = timedOut ? null : channel.getExitSignal();
            return new CommandOutcome(
                    status == null ? OptionalInt.empty() : OptionalInt.of(status),
                    Optional.ofNullable(signal),
                    timedOut,
                    out.finish(),
                    err.finish());
        } catch (IOException | RuntimeException e) {
            throw new SshFailure(SshFailure.Kind.CHANNEL_FAILED, "command channel to " + endpoint + " failed: " + SshConnector.rootCause(e));
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (IOException ignored) {
            // Closing a session that is already gone leaves nothing to release.
        }
    }
}
