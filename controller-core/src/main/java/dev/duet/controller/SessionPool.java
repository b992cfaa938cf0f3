package dev.duet.controller;

import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.sealing.Sealer;
import dev.duet.controller.sealing.UnsealException;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshFailure;
import dev.duet.provisioner.ssh.SshKeyFormatException;
import dev.duet.provisioner.ssh.SshKeys;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Each CVM's lock and its open SSH session. Work on one CVM holds its lock, so the log order is the
 * order in which things happened to it; a session is opened only with the CVM's unsealed key and
 * its pinned host key, and kept for the next command.
 */
final class SessionPool implements AutoCloseable {
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, SshConnection> sessions = new ConcurrentHashMap<>();
    private final Sealer sealer;
    private final SshConnector connector;

    SessionPool(Sealer sealer, SshConnector connector) {
        this.sealer = sealer;
        this.connector = connector;
    }

    /** The sealing context of a CVM's SSH key: a key sealed for one CVM does not unseal as another's. */
    static String sshKeyContext(String id) {
        return "duet cvm ssh key " + id;
    }

    ReentrantLock lockOf(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    /** The CVM's session, reopened with the unsealed key and the pinned host key if needed. */
    SshConnection session(CvmRow row) throws SshFailure {
        SshConnection existing = sessions.get(row.id());
        if (existing != null && existing.isOpen()) {
            return existing;
        }
        if (existing != null) {
            close(row.id());
        }
        KeyPair key;
        HostKeyPin pin;
        try {
            byte[] pkcs8 = sealer.unseal(row.sshPrivateSealed().orElseThrow(() -> new IllegalStateException("key destroyed")), sshKeyContext(row.id()));
            key = SshKeys.ed25519FromEncoded(pkcs8, row.sshPublicKey());
            pin = HostKeyPin.parse(row.hostKey().orElseThrow(() -> new IllegalStateException("no host key pinned")));
        } catch (UnsealException | SshKeyFormatException e) {
            throw new SshFailure(SshFailure.Kind.CHANNEL_FAILED, "the CVM's key or host key could not be loaded: " + e.getMessage());
        }
        SshConnection fresh = connector.connect(new SshEndpoint(row.host(), row.port(), row.user()), pin, key);
        sessions.put(row.id(), fresh);
        return fresh;
    }

    /** Keeps the session adoption or launch opened, for the CVM's first command. */
    void keep(String id, SshConnection connection) {
        sessions.put(id, connection);
    }

    /** The CVM's session if one is open now; nothing is opened for it. */
    Optional<SshConnection> open(String id) {
        return Optional.ofNullable(sessions.get(id)).filter(SshConnection::isOpen);
    }

    void close(String id) {
        SshConnection old = sessions.remove(id);
        if (old != null) {
            old.close();
        }
    }

    @Override
    public void close() {
        new ArrayList<>(sessions.keySet()).forEach(this::close);
    }
}
