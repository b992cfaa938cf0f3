package dev.duet.provisioner.ssh;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Opens SSH sessions with a pinned host key and one identity. Public-key authentication only; no
 * user configuration ({@code ~/.ssh}) is read, so nothing on the controller's host widens what is
 * accepted. A server whose host key does not match the pin is dropped during key exchange, before
 * any credential or command is sent.
 */
public final class SshConnector implements AutoCloseable {
    private final SshClient client;
    private final Duration connectTimeout;

    public SshConnector(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        client = SshClient.setUpDefaultClient();
        // Without it, a command that follows the last one's channel close within the peer's delayed-ACK
        // time (40 ms on Linux) waits that long: Nagle holds the new channel's open behind the unacknowledged close.
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        client.setServerKeyVerifier((session, address, key) -> {
            AttributeRepository context = session.getConnectionContext();
            HostKeyCheck check = context == null ? null : context.getAttribute(HostKeyCheck.KEY);
            return check != null && check.accept(key);
        });
        client.start();
    }

    public SshConnection connect(SshEndpoint endpoint, HostKeyPin pin, KeyPair identity) throws SshFailure {
        HostKeyCheck check = new HostKeyCheck(pin);
        ClientSession session;
        try {
            session = client.connect(endpoint.user(), endpoint.host(), endpoint.port(),
                            AttributeRepository.ofKeyValuePair(HostKeyCheck.KEY, check))
                    .verify(connectTimeout)
                    .getSession();
        } catch (IOException | RuntimeException e) {
            throw new SshFailure(SshFailure.Kind.UNREACHABLE, "cannot connect to " + endpoint + ": " + rootCause(e));
        }
        try {
            session.addPublicKeyIdentity(identity);
            session.auth().verify(connectTimeout);
            return new SshConnection(endpoint, session, connectTimeout);
        } catch (IOException | RuntimeException e) {
            closeQuietly(session);
            if (check.rejected.get() != null) {
                throw new SshFailure(SshFailure.Kind.HOST_KEY_MISMATCH, "host key mismatch at " + endpoint + ": expected "
                        + pin.fingerprint() + ", server presented " + SshKeys.fingerprint(check.rejected.get()));
            }
            if (!check.accepted) {
                throw new SshFailure(SshFailure.Kind.UNREACHABLE, "key exchange with " + endpoint + " did not complete: " + rootCause(e));
            }
            throw new SshFailure(SshFailure.Kind.AUTHENTICATION_FAILED, "authentication to " + endpoint + " refused");
        }
    }

    /**
     * Connects and completes key exchange with whatever host key the server presents, holding the
     * session to that key, and sends no credential and no command: for binding a new guest's key to
     * its attestation before logging in ({@link SshHandshake}).
     */
    public SshHandshake handshake(SshEndpoint endpoint) throws SshFailure {
        HostKeyCheck check = new HostKeyCheck(null);
        ClientSession session;
        try {
            session = client.connect(endpoint.user(), endpoint.host(), endpoint.port(),
                    AttributeRepository.ofKeyValuePair(HostKeyCheck.KEY, check)).verify(connectTimeout).getSession();
        } catch (IOException | RuntimeException e) {
            throw new SshFailure(SshFailure.Kind.UNREACHABLE, "cannot connect to " + endpoint + ": " + rootCause(e));
        }
        Set<ClientSessionEvent> state = session.waitFor(EnumSet.of(ClientSessionEvent.WAIT_AUTH, ClientSessionEvent.CLOSED),
                connectTimeout);
        PublicKey presented = check.held.get();
        if (!state.contains(ClientSessionEvent.WAIT_AUTH) || state.contains(ClientSessionEvent.CLOSED) || presented == null) {
            closeQuietly(session);
            throw new SshFailure(SshFailure.Kind.UNREACHABLE, "key exchange with " + endpoint + " did not complete");
        }
        return new SshHandshake(endpoint, session, presented, connectTimeout);
    }

    @Override
    public void close() {
        client.stop();
    }

    /** The innermost cause's message ("Connection refused"), not the wrappers' descriptions of futures. */
    static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        if (message != null && !message.isBlank()) {
            return message;
        }
        // Said in words: a reason reaches owners and the log, where a class name means nothing.
        return cause instanceof java.nio.channels.ClosedChannelException || cause instanceof java.io.EOFException
                ? "the connection was closed" : "it ended without giving a reason";
    }

    private static void closeQuietly(ClientSession session) {
        try {
            session.close();
        } catch (IOException ignored) {
            // The session failed already; there is nothing left to release.
        }
    }

    /** Per-session record of what the server presented, so a failure can name the mismatch. */
    private static final class HostKeyCheck {
        static final AttributeRepository.AttributeKey<HostKeyCheck> KEY = new AttributeRepository.AttributeKey<>();
        private final HostKeyPin pin;
        private final AtomicReference<PublicKey> rejected = new AtomicReference<>();
        /** With no pin: the first key presented, the only one this session accepts from then on. */
        private final AtomicReference<PublicKey> held = new AtomicReference<>();
        private volatile boolean accepted;

        HostKeyCheck(HostKeyPin pin) {
            this.pin = pin;
        }

        boolean accept(PublicKey key) {
            boolean matches = pin != null ? pin.matches(key) : held.compareAndSet(null, key) || HostKeyPin.of(held.get()).matches(key);
            if (matches) {
                accepted = true;
                return true;
            }
            rejected.set(key);
            return false;
        }
    }
}
