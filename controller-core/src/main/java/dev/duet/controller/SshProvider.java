package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.attestation.CvmFreshBinding;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.ssh.AdoptionFailure;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.SshAdoption;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshFailure;
import dev.duet.provisioner.ssh.SshKeyFormatException;
import dev.duet.provisioner.ssh.SshKeys;
import java.security.KeyPair;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The {@code ssh} provider: adopts a machine that already runs sshd ({@link SshAdoption}), with a
 * bootstrap key that is used once and never stored or logged. The machine's host key must match
 * the owner's pin before any credential is sent; on success the controller's key is the machine's
 * only authorized key.
 */
final class SshProvider implements Provider {
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
    /** A host name, an IPv4 address or an IPv6 address without brackets (the SSH client reads brackets as a pattern). */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:-]{1,253}");
    private static final int DEFAULT_PORT = 22;

    private final Custody custody;
    private final OwnerSet owners;

    SshProvider(Custody custody, OwnerSet owners) {
        this.custody = custody;
        this.owners = owners;
    }

    @Override
    public CvmView create(OwnerId owner, CreateRequest request) throws ControllerException {
        if (request.azure().isPresent()) {
            throw invalid("provider \"ssh\" takes no \"azure\" object: it adopts a machine someone else runs");
        }
        CreateRequest.Ssh machine = request.ssh().orElseThrow(() -> invalid(
                "provider \"ssh\" needs an \"ssh\" object (host, user, host_key, bootstrap_private_key)"));
        String name = request.checkedName();
        if (machine.host() == null || !HOST.matcher(machine.host()).matches()) {
            throw invalid("host must be a host name or IP address (an IPv6 address without brackets: ::1, not [::1])");
        }
        if (machine.user() == null || !USER.matcher(machine.user()).matches()) {
            throw invalid("user must be a POSIX user name");
        }
        SshEndpoint endpoint;
        try {
            endpoint = new SshEndpoint(machine.host(), machine.port().orElse(DEFAULT_PORT), machine.user());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        HostKeyPin pin;
        KeyPair bootstrap;
        try {
            pin = HostKeyPin.parse(machine.hostKey());
        } catch (SshKeyFormatException e) {
            throw invalid("host_key must be an OpenSSH public key line or a SHA256: fingerprint: " + e.getMessage());
        }
        try {
            bootstrap = SshKeys.parsePrivateKey(machine.bootstrapPrivateKey() == null ? "" : machine.bootstrapPrivateKey());
        } catch (SshKeyFormatException e) {
            throw invalid("bootstrap_private_key: " + e.getMessage());
        }
        if (isOwnerKey(bootstrap)) {
            throw invalid("bootstrap_private_key is a registered owner key: an owner key signs requests to this controller and must "
                    + "never be a machine's login key; give a key made for this adoption");
        }
        String keysPath = machine.authorizedKeysPath().orElse(".ssh/authorized_keys");
        if (keysPath.isEmpty() || keysPath.length() > 4096 || keysPath.chars().anyMatch(c -> c < 0x20)) {
            throw invalid("authorized_keys_path must be a non-empty path without control characters");
        }
        NewCvm fresh = NewCvm.generate(custody.sealer());
        String id = fresh.id();
        Payload payload = new Payload.SshAdoptionStarted(name, endpoint.toString(), pin.fingerprint(), keysPath, fresh.keyLine());
        CvmView view = custody.store().write(tx -> {
            Transitions.nameFree(tx.handle(), name);
            LogEntry entry = custody.transitions().append(tx, id, owner.actor(), payload);
            custody.policies().copyDefault(tx, id);
            CvmRegistry.insert(tx.handle(), new CvmRegistry.NewRow(id, name, ProviderKind.SSH, endpoint.host(), endpoint.port(),
                    endpoint.user(), pin.fingerprint(), keysPath, fresh.sshKey().getPublic().getEncoded(), fresh.keyLine(), fresh.sealed(),
                    entry.seq()));
            return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
        });
        custody.provision(ProviderKind.SSH, id, () -> finishAdoption(fresh, endpoint, pin, bootstrap, keysPath));
        return view;
    }

    /**
     * Whether {@code bootstrap} is one of the owners' signing keys: pasted by mistake, it would leave
     * the one key that governs the controller in a machine's authorized_keys and in this request.
     */
    private boolean isOwnerKey(KeyPair bootstrap) {
        byte[] spki = bootstrap.getPublic().getEncoded();
        if (spki == null) {
            return false;
        }
        try {
            return owners.key(Ed25519PublicKey.fromSpki(spki).keyId()).isPresent();
        } catch (KeyFormatException e) {
            return false;
        }
    }

    private void finishAdoption(NewCvm fresh, SshEndpoint endpoint, HostKeyPin pin, KeyPair bootstrap, String keysPath) {
        String id = fresh.id();
        ReentrantLock lock = custody.pool().lockOf(id);
        lock.lock();
        try {
            SshAdoption.Adopted adopted = new SshAdoption(custody.connector()).adopt(endpoint, pin, bootstrap, fresh.sshKey(), keysPath,
                    fresh.keyComment());
            Payload payload = new Payload.Adopted(adopted.report().hostKey(), adopted.report().hostKeyFingerprint(),
                    adopted.report().checks(), Optional.empty());
            custody.store().write(tx -> {
                CvmMode next = Transitions.advance(tx.handle(), id, new Lifecycle.Event.Adopted());
                custody.transitions().append(tx, id, "controller", payload);
                CvmRegistry.adopted(tx.handle(), id, adopted.report().hostKey(), pin.fingerprint(), next);
                return null;
            });
            custody.pool().keep(id, adopted.connection());
        } catch (SshFailure | AdoptionFailure | RuntimeException e) {
            custody.store().write(tx -> custody.transitions().fail(tx, id, Transitions.reason(e)));
        } finally {
            lock.unlock();
        }
    }

    /** An adopted machine keeps running: the controller only gives up its key. */
    @Override
    public boolean stop(String id) {
        return false;
    }

    /** Why an adopted machine has no fresh evidence: what its switch to in-service logs, and fresh reports are refused with. */
    static final String NO_FRESH_EVIDENCE = "adopted over SSH: the machine has no TEE interface the controller can ask for a fresh "
            + "report, and its host key was pinned by its owner, not by attestation";

    @Override
    public FreshCvmEvidence freshEvidence(CvmRow row, String nonce, CvmFreshBinding.LogHead head) throws ControllerException {
        throw new ControllerException(ControllerException.Kind.CONFLICT, "CVM " + row.id() + " has no fresh evidence: " + NO_FRESH_EVIDENCE,
                Optional.of(row.id()));
    }

    @Override
    public void close() {}
}
