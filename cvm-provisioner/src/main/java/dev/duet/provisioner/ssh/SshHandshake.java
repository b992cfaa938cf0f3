package dev.duet.provisioner.ssh;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import org.apache.sshd.client.session.ClientSession;

/**
 * A session whose key exchange is done, with no credential sent: the host key the server presented
 * is known and the session is held to it. For a new guest, whose key must be bound by its
 * attestation before the controller logs in: once it is, {@link #authenticate} logs in over this
 * session, which spares the guest a second key exchange. Closing it without authenticating sends
 * nothing more.
 */
public final class SshHandshake implements AutoCloseable {
    private final SshEndpoint endpoint;
    private final ClientSession session;
    private final PublicKey hostKey;
    private final Duration timeout;

    SshHandshake(SshEndpoint endpoint, ClientSession session, PublicKey hostKey, Duration timeout) {
        this.endpoint = endpoint;
        this.session = session;
        this.hostKey = hostKey;
        this.timeout = timeout;
    }

    /** The host key the server presented; a re-exchange that presents another ends the session. */
    public PublicKey hostKey() {
        return hostKey;
    }

    /** Logs in with {@code identity} over this session; on failure the session is closed. */
    public SshConnection authenticate(KeyPair identity) throws SshFailure {
        try {
            session.addPublicKeyIdentity(identity);
            session.auth().verify(timeout);
            return new SshConnection(endpoint, session, timeout);
        } catch (IOException | RuntimeException e) {
            boolean ended = !session.isOpen();
            close();
            throw ended ? new SshFailure(SshFailure.Kind.UNREACHABLE, "the session with " + endpoint + " ended before authentication: "
                    + SshConnector.rootCause(e)) : new SshFailure(SshFailure.Kind.AUTHENTICATION_FAILED, "authentication to " + endpoint
                    + " refused");
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (IOException ignored) {
            // Nothing was sent over it that needs an orderly end.
        }
    }
}
