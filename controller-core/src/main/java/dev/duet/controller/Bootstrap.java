package dev.duet.controller;

import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.internal.ControllerSchema;
import dev.duet.controller.internal.GovernanceRegistry;
import dev.duet.controller.sealing.Sealer;
import dev.duet.controller.sealing.UnsealException;
import dev.duet.log.store.SqliteAuditLog;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Opens a controller on its data directory: takes the directory's lock, opens the sealer and the
 * store, loads the signing key (made and sealed on the first start), registers the owners (log
 * entry 0 on the first start; a restart cannot change them), and settles what the last run left
 * unfinished, before any request is taken.
 */
final class Bootstrap {
    private static final String SIGNING_KEY = "signing";
    private static final String TLS_KEY = "tls";

    private Bootstrap() {}

    /** What an open controller runs on. */
    record Opened(DataDirectory directory, SqliteStore store, Sealer sealer, Ed25519KeyPair signingKey, TlsIdentity tls,
            OwnerSet owners) {}

    /**
     * A new directory gets a sealing key, a signing key and log entry 0 registering the owner keys;
     * an existing one keeps all three. On any failure the directory's lock is released.
     */
    static Opened open(ControllerConfig config, Controller.SealerSource sealerSource) throws IOException {
        DataDirectory dir = DataDirectory.open(config.dataDirectory());
        try {
            Sealer sealer = sealerSource.open(dir);
            SqliteStore store = SqliteStore.open(dir.database(), ControllerSchema.SCHEMA);
            Ed25519KeyPair signingKey = store.write(tx -> loadOrCreateSigningKey(tx.handle(), sealer));
            TlsIdentity tls = TlsIdentity.of(store.write(tx -> loadOrCreateTlsKey(tx.handle(), sealer)), config.clock().instant());
            store.signCheckpointsWith(ControllerLog.checkpointSigner(signingKey));
            OwnerSet owners = store.write(tx -> registerOwners(tx, config, signingKey));
            reconcileAfterRestart(store, new Transitions(store, config.clock()));
            return new Opened(dir, store, sealer, signingKey, tls, owners);
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    private static Ed25519KeyPair loadOrCreateSigningKey(Handle h, Sealer sealer) {
        Optional<Map<String, Object>> row = h.createQuery("SELECT public_key, private_sealed FROM controller_keys WHERE purpose = ?")
                .bind(0, SIGNING_KEY).mapToMap().findOne();
        if (row.isPresent()) {
            try {
                byte[] pkcs8 = sealer.unseal((byte[]) row.get().get("private_sealed"), "duet controller signing key");
                return Ed25519KeyPair.fromEncoded(pkcs8, (byte[]) row.get().get("public_key"));
            } catch (UnsealException | KeyFormatException e) {
                throw new IllegalStateException("controller signing key does not unseal: " + e.getMessage());
            }
        }
        Ed25519KeyPair fresh = Ed25519KeyPair.generate();
        h.createUpdate("INSERT INTO controller_keys(purpose, public_key, private_sealed) VALUES (?, ?, ?)")
                .bind(0, SIGNING_KEY).bind(1, fresh.publicKey().spki())
                .bind(2, sealer.seal(fresh.pkcs8(), "duet controller signing key")).execute();
        return fresh;
    }

    /**
     * The TLS key, made and sealed on the first start of a directory that has none (one made before
     * the controller served HTTPS gets one on its next start); kept, so a client's pin survives restarts.
     */
    private static java.security.KeyPair loadOrCreateTlsKey(Handle h, Sealer sealer) {
        Optional<Map<String, Object>> row = h.createQuery("SELECT public_key, private_sealed FROM controller_keys WHERE purpose = ?")
                .bind(0, TLS_KEY).mapToMap().findOne();
        if (row.isPresent()) {
            try {
                byte[] pkcs8 = sealer.unseal((byte[]) row.get().get("private_sealed"), "duet controller TLS key");
                return TlsIdentity.decode((byte[]) row.get().get("public_key"), pkcs8);
            } catch (UnsealException | java.security.GeneralSecurityException e) {
                throw new IllegalStateException("controller TLS key does not unseal: " + e.getMessage());
            }
        }
        java.security.KeyPair fresh = TlsIdentity.generateKeys();
        h.createUpdate("INSERT INTO controller_keys(purpose, public_key, private_sealed) VALUES (?, ?, ?)")
                .bind(0, TLS_KEY).bind(1, fresh.getPublic().getEncoded())
                .bind(2, sealer.seal(fresh.getPrivate().getEncoded(), "duet controller TLS key")).execute();
        return fresh;
    }

    /**
     * The owners and their threshold: registered as entry 0 on the first start (k of n, k from 1 to
     * n, 1 unless given), else as stored, which owner changes in the log keep up to date; keys or a
     * threshold given for an existing directory must be those stored.
     */
    private static OwnerSet registerOwners(Transaction tx, ControllerConfig config, Ed25519KeyPair signingKey) {
        Handle h = tx.handle();
        Map<String, Ed25519PublicKey> registered = new LinkedHashMap<>();
        for (Map<String, Object> row : h.createQuery("SELECT public_key FROM owners ORDER BY key_id").mapToMap().list()) {
            try {
                Ed25519PublicKey key = Ed25519PublicKey.fromSpki((byte[]) row.get("public_key"));
                registered.put(key.keyId(), key);
            } catch (KeyFormatException e) {
                throw new IllegalStateException("stored owner key is corrupt");
            }
        }
        Map<String, Ed25519PublicKey> given = new LinkedHashMap<>();
        config.ownerKeys().forEach(k -> given.put(k.keyId(), k));
        if (registered.isEmpty()) {
            if (given.isEmpty()) {
                throw new IllegalStateException("a new controller needs at least one owner key (--owner-key)");
            }
            if (SqliteAuditLog.head(h).size() != 0) {
                throw new IllegalStateException("log is not empty but no owner is registered: the store was tampered with");
            }
            int threshold = config.ownerThreshold().orElse(1);
            if (threshold < 1 || threshold > given.size()) {
                throw new IllegalArgumentException("the owner threshold must be 1 to " + given.size() + " (the number of owner keys given), not "
                        + threshold);
            }
            List<Payload.OwnerKey> keys = new ArrayList<>();
            for (Ed25519PublicKey key : given.values()) {
                GovernanceRegistry.addOwner(h, key.keyId(), key.spki());
                keys.add(new Payload.OwnerKey(key.keyId(), key.base64()));
            }
            GovernanceRegistry.setThreshold(h, threshold);
            tx.append(PayloadCodec.draft(null, "controller", new Payload.OwnerRegistered(keys, signingKey.publicKey().keyId(), threshold)),
                    config.clock().instant());
            return new OwnerSet(given, threshold);
        }
        if (!given.isEmpty() && !given.keySet().equals(registered.keySet())) {
            throw new IllegalStateException("owner keys given (" + given.keySet() + ") differ from those registered in the log ("
                    + registered.keySet() + "); owners cannot be changed by restarting the controller (change them with POST /v1/owners, "
                    + "or start without --owner-key)");
        }
        int stored = GovernanceRegistry.threshold(h);
        if (config.ownerThreshold().isPresent() && config.ownerThreshold().getAsInt() != stored) {
            throw new IllegalStateException("owner threshold given (" + config.ownerThreshold().getAsInt() + ") differs from the one in force ("
                    + stored + "); it cannot be changed by restarting the controller");
        }
        return new OwnerSet(registered, stored);
    }

    /**
     * A CVM left in provisioning by a crash cannot finish: the bootstrap key was never stored. A VM
     * this controller ran is gone after a restart (its QEMU dies with the controller's JVM, and an
     * orphan that somehow survived is stopped here, because nothing would supervise it): it is
     * marked lost.
     */
    private static void reconcileAfterRestart(SqliteStore store, Transitions transitions) {
        store.write(tx -> {
            for (CvmRow row : CvmRegistry.all(tx.handle())) {
                if (row.mode() == CvmMode.PROVISIONING) {
                    transitions.fail(tx, row.id(), "controller restarted before " + (row.provider() == ProviderKind.QEMU ? "the VM was ready"
                            : "adoption finished"));
                } else if (row.provider() == ProviderKind.QEMU && row.mode().isOperational()) {
                    Optional<Long> pid = CvmRegistry.vmPid(tx.handle(), row.id());
                    Optional<ProcessHandle> orphan = pid.flatMap(ProcessHandle::of).filter(p -> p.info().commandLine()
                            .map(line -> line.contains("-name duet-" + row.id() + " ")).orElse(false));
                    orphan.ifPresent(ProcessHandle::destroyForcibly);
                    transitions.fail(tx, row.id(), "lost: the controller restarted and its VM " + pid.map(p -> "(pid " + p + ") ").orElse("")
                            + (orphan.isPresent() ? "had outlived it and was stopped" : "is gone"));
                }
            }
            return null;
        });
    }
}
