package dev.duet.provisioner.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/** An authenticated SSH session to one machine; one exec channel per command, one SFTP channel per file, reused across both. */
public final class SshConnection implements AutoCloseable {
    private final SshEndpoint endpoint;
    private final ClientSession session;
    private final Duration channelTimeout;
    private final SftpFiles files;

    /** {@code channelTimeout} bounds opening a channel: transport work, judged apart from any command's deadline. */
    SshConnection(SshEndpoint endpoint, ClientSession session, Duration channelTimeout) {
        this.endpoint = endpoint;
        this.session = session;
        this.files = new SftpFiles(session, endpoint);
        this.channelTimeout = channelTimeout;
    }

    public boolean isOpen() {
        return session.isOpen() && session.isAuthenticated();
    }

    /** The server's host key as it was verified during key exchange. */
    public java.security.PublicKey hostKey() {
        return session.getServerKey();
    }

    /**
     * Runs the argv (quoted per {@link ShellQuoting}), capturing stdout and stderr separately. The
     * command's deadline is the command's: opening the channel is bounded by the connection's own
     * channel timeout, and a deadline that passes before or while the command runs is a timeout
     * (the channel is closed, the session stays), never a transport failure. The remote program may
     * outlive a timeout. A channel that closes before the deadline without an exit status or signal
     * (RFC 4254 §6.10) is a transport failure: the session or the server died, and whether the
     * command ran at all is unknown, so no outcome is made up for it.
     */
    public CommandOutcome run(RemoteCommand command) throws SshFailure {
        String line = command.commandLine();
        long deadline = System.nanoTime() + command.timeout().toNanos();
        CapturedOutput.Sink out = new CapturedOutput.Sink(command.outputCap());
        CapturedOutput.Sink err = new CapturedOutput.Sink(command.outputCap());
        try (ChannelExec channel = session.createExecChannel(line)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(channelTimeout);
            long remainingMillis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
            Set<ClientChannelEvent> events = remainingMillis <= 0 ? Set.of()
                    : channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), remainingMillis);
            boolean timedOut = !events.contains(ClientChannelEvent.CLOSED);
            if (timedOut) {
                channel.close(true);
            }
            Integer status = timedOut ? null : channel.getExitStatus();
            String signal = timedOut ? null : channel.getExitSignal();
            if (!timedOut && status == null && signal == null) {
                throw new SshFailure(SshFailure.Kind.CHANNEL_FAILED, "the command channel to " + endpoint
                        + " closed without an exit status or signal: the connection or the server died, and the command's outcome is unknown");
            }
            return new CommandOutcome(
                    status == null ? OptionalInt.empty() : OptionalInt.of(status),
                    Optional.ofNullable(signal),
                    timedOut,
                    out.finish(),
                    err.finish());
        } catch (SshFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new SshFailure(SshFailure.Kind.CHANNEL_FAILED, "command channel to " + endpoint + " failed: " + SshConnector.rootCause(e));
        }
    }

    /**
     * Writes {@code content} at {@code path} over SFTP, atomically: the path keeps its old content (or
     * stays absent) unless the whole new content is in place, with {@code permissions}.
     */
    public void writeFile(String path, int permissions, InputStream content) throws FileTransferFailure {
        if (!path.startsWith("/") || permissions < 0 || permissions > 07777) {
            throw new IllegalArgumentException("an absolute path and permission bits are needed");
        }
        files.write(path, permissions, content);
    }

    /** Reads the regular file at {@code path} over SFTP, if it holds at most {@code limit} bytes. */
    public RemoteFile readFile(String path, int limit) throws FileTransferFailure {
        return files.read(path, limit);
    }

    /** Removes the temporary file a failed {@link #writeFile} left behind ({@link FileTransferFailure#leftover()}). */
    public void removeLeftover(String temp) throws FileTransferFailure {
        files.removeLeftover(temp);
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
