package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.Verdict;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.attest.EvidenceSource;
import dev.duet.provisioner.attest.HostKeyAttestation;
import dev.duet.provisioner.qemu.GuestImage;
import dev.duet.provisioner.qemu.QemuVm;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshFailure;
import dev.duet.provisioner.ssh.SshHandshake;
import dev.duet.provisioner.ssh.SshKeys;
import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code qemu} provider: the controller starts the CVM itself as a QEMU guest and supervises
 * it. The guest's host key is pinned only after its evidence, fresh for a nonce, verifies and binds
 * that key; a guest that exits while the controller still manages it is lost, and the log says so.
 */
final class QemuGuestProvider implements Provider {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Optional<QemuSupport> qemu;
    private final Custody custody;
    private final Clock clock;
    private final Map<String, QemuVm> vms = new ConcurrentHashMap<>();

    QemuGuestProvider(Optional<QemuSupport> qemu, Custody custody, Clock clock) {
        this.qemu = qemu;
        this.custody = custody;
        this.clock = clock;
    }

    /** Answers at once with the CVM in {@code provisioning}; the guest boots and attests in the background. */
    @Override
    public CvmView create(OwnerId owner, CreateRequest request) throws ControllerException {
        if (request.ssh().isPresent() || request.azure().isPresent()) {
            throw invalid("provider \"qemu\" takes no \"" + (request.ssh().isPresent() ? "ssh" : "azure") + "\" object: the controller "
                    + "creates the VM");
        }
        String name = request.checkedName();
        QemuSupport support = qemu.orElseThrow(() -> new ControllerException(Kind.CONFLICT,
                "this controller has no QEMU provider (it was started without one, or QEMU cannot run here)"));
        NewCvm fresh = NewCvm.generate(custody.sealer());
        String id = fresh.id();
        GuestImage image = support.provider().image();
        Payload payload = new Payload.QemuLaunchStarted(name, fresh.keyLine(), support.provider().accelerator(),
                support.provider().acceleratorReason(), support.evidence().name(), support.evidence().simulated(),
                support.evidence().expectedMeasurement().map(Octets::copyOf), new Payload.GuestImage(image.version(),
                        support.provider().cmdline(), image.kernelSha256(), image.initrdSha256(), new TreeMap<>(image.packages())));
        CvmView view = custody.store().write(tx -> {
            Transitions.nameFree(tx.handle(), name);
            LogEntry entry = custody.transitions().append(tx, id, owner.actor(), payload);
            custody.policies().copyDefault(tx, id);
            CvmRegistry.insert(tx.handle(), new CvmRegistry.NewRow(id, name, ProviderKind.QEMU, "127.0.0.1", 0, "root", "bound by attestation",
                    "(fw_cfg)", fresh.sshKey().getPublic().getEncoded(), fresh.keyLine(), fresh.sealed(), entry.seq()));
            CvmRegistry.insertVm(tx.handle(), id, support.evidence().name(), support.evidence().simulated());
            return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
        });
        custody.provision(ProviderKind.QEMU, id, () -> finishLaunch(support, id, fresh.sshKey(), fresh.keyLine()));
        return view;
    }

    /**
     * Boots the guest, learns the host key it presents (key exchange only: no credential is sent),
     * gets its evidence for a fresh nonce, and pins the key only if the evidence verifies and binds
     * it; then logs in over that same session, held to that key, which spares the TCG guest a second
     * key exchange.
     */
    private void finishLaunch(QemuSupport support, String id, KeyPair sshKey, String keyLine) {
        ReentrantLock lock = custody.pool().lockOf(id);
        lock.lock();
        QemuVm vm = null;
        SshHandshake handshake = null;
        try {
            KeyPair hostKey = SshKeys.generateEd25519();
            vm = support.provider().launch(id, keyLine, SshKeys.dropbearPrivateKey(hostKey));
            long pid = vm.pid();
            int port = vm.sshPort();
            custody.store().write(tx -> {
                CvmRegistry.vmStarted(tx.handle(), id, pid, port);
                return null;
            });
            vm.awaitReady(support.provider().readyTimeout());
            SshEndpoint endpoint = new SshEndpoint("127.0.0.1", port, "root");
            handshake = custody.connector().handshake(endpoint);
            PublicKey presented = handshake.hostKey();
            byte[] nonce = new byte[32];
            RANDOM.nextBytes(nonce);
            EvidenceSource source = support.evidence();
            EvidenceSource.Attested evidence = source.report(new EvidenceSource.Guest(hostKey.getPublic(),
                    () -> custody.connector().connect(endpoint, HostKeyPin.of(presented), sshKey)), nonce);
            Verdict verdict = HostKeyAttestation.verify(source.trust(), evidence, presented, nonce, source.expectedMeasurement(),
                    clock.instant());
            Payload attestation = new Payload.Attestation(source.name(), source.simulated(), verdict.evidence(), Octets.copyOf(nonce),
                    Octets.copyOf(evidence.report()), Octets.copyOf(evidence.endorsement()), SshKeys.openSshPublicKey(presented),
                    SshKeys.fingerprint(presented), verdict.accepted(), verdict.checks().stream().map(Check::describe).toList());
            custody.store().write(tx -> {
                Transitions.advance(tx.handle(), id, new Lifecycle.Event.Attested());
                return custody.transitions().append(tx, id, "controller", attestation);
            });
            if (!verdict.accepted()) {
                throw new IOException("the guest's evidence does not bind the host key it presented: "
                        + verdict.failures().stream().map(Check::describe).toList());
            }
            HostKeyPin pin = HostKeyPin.of(presented);
            SshConnection connection = handshake.authenticate(sshKey);
            String hostKeyLine = SshKeys.openSshPublicKey(presented);
            Payload adopted = new Payload.Adopted(hostKeyLine, pin.fingerprint(), List.of("host key bound by "
                    + (source.simulated() ? "SIMULATED " : "") + "attestation to nonce " + HexFormat.of().formatHex(nonce)),
                    Optional.of(new Payload.Vm(pid, port)));
            custody.store().write(tx -> {
                CvmMode next = Transitions.advance(tx.handle(), id, new Lifecycle.Event.Adopted());
                custody.transitions().append(tx, id, "controller", adopted);
                CvmRegistry.adopted(tx.handle(), id, hostKeyLine, pin.fingerprint(), next);
                return null;
            });
            custody.pool().keep(id, connection);
            handshake = null;
            vms.put(id, vm);
            QemuVm running = vm;
            running.process().onExit().thenRun(() -> vmExited(id, running));
            vm = null;
        } catch (IOException | RuntimeException e) {
            custody.store().write(tx -> custody.transitions().fail(tx, id, Transitions.reason(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            custody.store().write(tx -> custody.transitions().fail(tx, id, "interrupted while the VM started"));
        } finally {
            if (handshake != null) {
                handshake.close();
            }
            if (vm != null) {
                vm.close();
            }
            lock.unlock();
        }
    }

    /** A VM that ends while the controller still manages it (not through stop) is lost, and the log says so. */
    private void vmExited(String id, QemuVm vm) {
        if (!vms.remove(id, vm)) {
            return;
        }
        ReentrantLock lock = custody.pool().lockOf(id);
        lock.lock();
        try {
            custody.pool().close(id);
            custody.store().write(tx -> {
                CvmRow row = CvmRegistry.find(tx.handle(), id).orElseThrow();
                if (row.mode().isOperational()) {
                    custody.transitions().fail(tx, id, "lost: the VM (pid " + vm.pid() + ") exited with status " + vm.process().exitValue());
                }
                return null;
            });
        } catch (RuntimeException e) {
            // Closing: the store may be gone; the restart reconciliation records the loss instead.
        } finally {
            lock.unlock();
        }
    }

    /** Powers the guest off from inside if its session is open, then stops its process. */
    @Override
    public boolean stop(String id) {
        QemuVm vm = vms.remove(id);
        if (vm == null) {
            return false;
        }
        Optional<SshConnection> session = custody.pool().open(id);
        try {
            if (session.isPresent()) {
                session.get().run(new RemoteCommand(List.of("poweroff", "-f"), Duration.ofSeconds(5), 1024));
            }
        } catch (SshFailure expected) {
            // The channel usually dies with the guest.
        }
        try {
            vm.stop(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vm.close();
        }
        return true;
    }

    /**
     * A fresh report from the source that attested the guest at launch (configfs-tsm in the guest,
     * or the simulated chip), asked over the session pinned to the guest's logged host key. The
     * answer is a claim until it is checked here: its REPORT_DATA must be the one asked for, and
     * the report must pass the launch appraisal (roots, signature, MEASUREMENT). Refused when the
     * guest gives none ({@link Kind#CVM_EVIDENCE_UNAVAILABLE}) or one that does not bind or verify
     * ({@link Kind#CVM_EVIDENCE_REJECTED}); the reason says which.
     */
    @Override
    public FreshCvmEvidence freshEvidence(CvmRow row, String nonce, CvmFreshBinding.LogHead head) throws ControllerException {
        EvidenceSource source = qemu.map(QemuSupport::evidence).orElseThrow(() -> new ControllerException(Kind.CONFLICT, "CVM "
                + row.id() + " has no fresh evidence: this controller runs without its QEMU provider", Optional.of(row.id())));
        String hostKey = row.hostKey().orElseThrow(() -> new ControllerException(Kind.CONFLICT, "CVM " + row.id()
                + " has no pinned host key", Optional.of(row.id())));
        byte[] blob = Base64.getDecoder().decode(hostKey.split(" ")[1]);
        Octets reportData = CvmFreshBinding.reportData(blob, nonce, head);
        EvidenceSource.Attested attested;
        try {
            attested = source.freshReport(custody.pool().session(row), reportData.toByteArray());
        } catch (IOException e) {
            throw new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + row.id() + " gave no fresh report: "
                    + Transitions.reason(e), Optional.of(row.id()));
        }
        Octets evidence = Octets.copyOf(attested.report());
        Check binding = CvmFreshBinding.verify(evidence, blob, nonce, head);
        if (!binding.passed()) {
            throw rejected(row.id(), binding.describe());
        }
        Verdict verdict;
        try {
            verdict = HostKeyAttestation.verify(source.trust(), attested, reportData, source.expectedMeasurement(), clock.instant());
        } catch (IOException e) {
            throw rejected(row.id(), Transitions.reason(e));
        }
        if (!verdict.accepted()) {
            throw rejected(row.id(), String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
        }
        List<String> checks = new ArrayList<>();
        checks.add(binding.describe());
        verdict.checks().forEach(c -> checks.add(c.describe()));
        return new FreshCvmEvidence(row.id(), source.name(), source.simulated(), verdict.evidence(), nonce, hostKey, head, reportData,
                evidence, Octets.copyOf(attested.endorsement()), checks, clock.instant());
    }

    private static ControllerException rejected(String id, String why) {
        return new ControllerException(Kind.CVM_EVIDENCE_REJECTED, "CVM " + id + "'s fresh report was refused: " + why, Optional.of(id));
    }

    /** Stops every guest still running (they cannot outlive the controller unsupervised) and the QEMU support. */
    @Override
    public void close() {
        List<QemuVm> running = new ArrayList<>(vms.values());
        vms.clear();
        running.forEach(QemuVm::close);
        qemu.ifPresent(QemuSupport::close);
    }
}
