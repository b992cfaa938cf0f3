package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.azure.AzureEvidence;
import dev.duet.attestation.azure.AzureEvidenceParser;
import dev.duet.attestation.azure.AzureVmIdentity;
import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureFailure;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;
import dev.duet.provisioner.azure.VtpmCollector;
import dev.duet.provisioner.azure.VtpmEvidence;
import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshHandshake;
import dev.duet.provisioner.ssh.SshKeys;
import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code azure} provider: the controller creates an Azure confidential VM through Resource
 * Manager ({@link AzureCloud}), in the resource group {@code duet-<cvm id>}, with its own SSH key as
 * the VM's only login, then reads the VM back and refuses it if it has a way in that bypasses the
 * controller ({@link dev.duet.provisioner.azure.BypassPaths}).
 *
 * <p>The VM's SSH host key is then trusted only through its vTPM evidence: the controller connects,
 * learns the key in the key exchange, reads the HCL report and a vTPM quote whose qualifying data is
 * {@link VtpmHostKeyBinding#nonce} of that key and a fresh nonce, with the VCEK (SEV-SNP) or the TD
 * quote (TDX) ({@link VtpmCollector}), adds Intel's collateral to a TD quote's evidence, verifies them
 * ({@link AzureVtpmVerifier}, {@link VtpmHostKeyBinding#policy()}), logs the evidence JSON, the nonce and
 * the verdict in {@code cvm.attestation}, and only if the verdict is accepted pins the key and keeps the
 * session, as the QEMU provider does. Anything else fails the CVM closed, and its resource group is deleted.
 */
final class AzureProvider implements Provider {
    private static final Logger LOG = LoggerFactory.getLogger(AzureProvider.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String ADMIN = "duet";
    /** How long cloud-init may take to install the guest's packages from Ubuntu's archive at first boot. */
    private static final Duration SETUP_TIMEOUT = Duration.ofMinutes(10);

    private final Optional<AzureSupport> azure;
    private final Custody custody;
    private final Clock clock;

    AzureProvider(Optional<AzureSupport> azure, Custody custody, Clock clock) {
        this.azure = azure;
        this.custody = custody;
        this.clock = clock;
    }

    /** The resource group that holds everything created for the CVM: named after its id, so a restart or a stop finds it. */
    static String resourceGroup(String id) {
        return "duet-" + id;
    }

    @Override
    public CvmView create(OwnerId owner, CreateRequest request) throws ControllerException {
        if (request.ssh().isPresent()) {
            throw invalid("provider \"azure\" takes no \"ssh\" object: the controller creates the VM");
        }
        String name = request.checkedName();
        CreateRequest.Azure asked = request.azure().orElse(new CreateRequest.Azure(Optional.empty(), Optional.empty()));
        Tee tee = Tee.parse(asked.tee().orElse(Tee.SNP.wire())).orElseThrow(() -> invalid("azure.tee must be \"snp\" or \"tdx\""));
        AzureSupport support = azure.orElseThrow(() -> new ControllerException(Kind.CONFLICT,
                "this controller has no Azure provider (it was started without an Azure subscription)"));
        NewCvm fresh = NewCvm.generate(custody.sealer());
        String id = fresh.id();
        String user = support.guest().user();
        AzureVmSpec spec;
        try {
            spec = new AzureVmSpec(resourceGroup(id), id, support.location(), tee, asked.vmSize().orElse(tee.defaultSize()), user,
                    fresh.keyLine(), support.sshSource());
        } catch (IllegalArgumentException e) {
            throw invalid("azure.vm_size must be an Azure VM size such as " + tee.defaultSize());
        }
        Payload payload = new Payload.AzureLaunchStarted(name, fresh.keyLine(), tee.wire(), spec.vmSize(), spec.location(),
                spec.resourceGroup(), AzureVmSpec.IMAGE, spec.sshSource(), AzureVmSpec.GUEST_PACKAGES);
        CvmView view = custody.store().write(tx -> {
            Transitions.nameFree(tx.handle(), name);
            LogEntry entry = custody.transitions().append(tx, id, owner.actor(), payload);
            custody.policies().copyDefault(tx, id);
            CvmRegistry.insert(tx.handle(), new CvmRegistry.NewRow(id, name, ProviderKind.AZURE, spec.resourceGroup(),
                    support.guest().sshPort(), user, "bound by attestation", spec.authorizedKeysPath(), fresh.sshKey().getPublic().getEncoded(),
                    fresh.keyLine(), fresh.sealed(), entry.seq()));
            return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
        });
        custody.provision(ProviderKind.AZURE, id, () -> launch(support, spec, fresh.sshKey()));
        return view;
    }

    /**
     * Creates the VM, refuses it for any bypass path, then adopts it once its evidence binds its host
     * key; on any failure, whatever was created is deleted.
     */
    private void launch(AzureSupport support, AzureVmSpec spec, KeyPair sshKey) {
        AzureCloud cloud = support.cloud();
        String id = spec.vmName();
        ReentrantLock lock = custody.pool().lockOf(id);
        lock.lock();
        try {
            String reason;
            try {
                AzureCloud.Created created = cloud.create(spec);
                LOG.info("azure.created cvm={} vm={} address={}", id, created.vmId(), created.publicAddress().orElse("(none yet)"));
                List<String> bypass = cloud.bypassPaths(spec.resourceGroup(), id);
                bypass.forEach(path -> LOG.warn("azure.bypass-refused cvm={} at=adoption path={}", id, path));
                if (bypass.isEmpty()) {
                    adopt(support.guest(), spec, created, sshKey);
                    return;
                }
                reason = "refused: the VM has a way in that bypasses the controller: " + String.join("; ", bypass);
            } catch (AzureFailure e) {
                reason = e.getMessage();
            } catch (IOException e) {
                reason = "not adopted: " + Transitions.reason(e);
            } catch (RuntimeException e) {
                // Whatever broke, the group may hold resources: they are deleted all the same.
                reason = Transitions.reason(e);
            }
            String failed = reason + "; " + deleteGroup(cloud, id);
            custody.store().write(tx -> custody.transitions().fail(tx, id, failed));
        } catch (RuntimeException e) {
            custody.store().write(tx -> custody.transitions().fail(tx, id, Transitions.reason(e)));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Connects to the VM, learns the host key it presents, and pins it only if the vTPM evidence binds
     * it. The controller logs in over that session before the key is trusted, because tpm2-tools run
     * in the guest, and sends nothing but the wait for the guest's setup and the collector's reads:
     * its key authenticates only this session (the signature covers the session's id), so a host in
     * the middle could answer them but not obtain a quote from the real vTPM for its own key, and
     * evidence that does not verify and bind the key presented closes the session with nothing else sent.
     */
    private void adopt(AzureSupport.Guest guest, AzureVmSpec spec, AzureCloud.Created created, KeyPair sshKey) throws IOException {
        String id = spec.vmName();
        String address = created.publicAddress().orElseThrow(() -> new IOException("Azure gave the VM no public IP address"));
        custody.store().write(tx -> {
            CvmRegistry.addressed(tx.handle(), id, address, guest.sshPort());
            return null;
        });
        SshHandshake handshake = custody.connector().handshake(new SshEndpoint(address, guest.sshPort(), guest.user()));
        boolean kept = false;
        try {
            PublicKey presented = handshake.hostKey();
            byte[] blob = SshKeys.publicKeyBlob(presented);
            byte[] nonce = new byte[32];
            RANDOM.nextBytes(nonce);
            SshConnection session = handshake.authenticate(sshKey);
            if (!guest.awaitSetup().isEmpty()) {
                // Its exit status is not the verdict (a failed cloud-init module need not be the packages'): a tool still
                // missing fails the collection below, by kind.
                CommandOutcome setup = session.run(new RemoteCommand(guest.awaitSetup(), SETUP_TIMEOUT, 4096));
                LOG.info("azure.guest-setup cvm={} exit={} timed_out={}", id, setup.exitStatus(), setup.timedOut());
            }
            Octets qualifying = VtpmHostKeyBinding.nonce(blob, nonce);
            VtpmEvidence collected = new VtpmCollector(guest.collector()).collect(session, qualifying);
            Tee reported = collected.tdQuote().isPresent() ? Tee.TDX : Tee.SNP;
            if (reported != spec.tee()) {
                throw new IOException("the VM's HCL report holds a " + reported.wire() + " report, not the " + spec.tee().wire()
                        + " asked for");
            }
            VtpmEvidence evidence = guest.withCollateral(collected);
            byte[] json = evidence.json();
            AzureEvidence parsed;
            try {
                parsed = AzureEvidenceParser.parseJson(json);
            } catch (MalformedEvidenceException e) {
                throw new IOException("the VM's vTPM evidence is malformed: " + e.getMessage(), e);
            }
            Verdict verdict = verifier(guest).verify(parsed, qualifying, Collateral.none(), VtpmHostKeyBinding.policy(), clock.instant());
            Check sameVm = AzureVmIdentity.check(parsed, created.uniqueId());
            // Genuine evidence of another confidential VM would verify and bind its own key as well: it must name this VM.
            boolean accepted = verdict.accepted() && sameVm.passed();
            List<String> checks = new ArrayList<>(verdict.checks().stream().map(Check::describe).toList());
            checks.add(sameVm.describe());
            String hostKeyLine = SshKeys.openSshPublicKey(presented);
            HostKeyPin pin = HostKeyPin.of(presented);
            // The VCEK (or the TD quote and its collateral) is inside the evidence JSON, so the endorsement field stays empty: the
            // JSON is what a user re-checks.
            Payload attestation = new Payload.Attestation(VtpmHostKeyBinding.EVIDENCE_SOURCE, guest.simulated(), trust(verdict, guest),
                    Octets.copyOf(nonce), Octets.copyOf(json), Octets.copyOf(new byte[0]), hostKeyLine,
                    pin.fingerprint(), accepted, checks, Optional.of(created.uniqueId()));
            custody.store().write(tx -> {
                Transitions.advance(tx.handle(), id, new Lifecycle.Event.Attested());
                return custody.transitions().append(tx, id, "controller", attestation);
            });
            if (!verdict.accepted()) {
                throw new IOException("the VM's vTPM evidence does not verify or does not bind the host key it presented: "
                        + verdict.failures().stream().map(Check::describe).toList());
            }
            if (!sameVm.passed()) {
                throw new IOException("the vTPM evidence is not the created VM's: " + sameVm.describe());
            }
            Payload adopted = new Payload.Adopted(hostKeyLine, pin.fingerprint(), List.of("host key bound by "
                    + (guest.simulated() ? "SIMULATED " : "") + "Azure vTPM evidence to nonce " + HexFormat.of().formatHex(nonce)),
                    Optional.empty());
            custody.store().write(tx -> {
                CvmMode next = Transitions.advance(tx.handle(), id, new Lifecycle.Event.Adopted());
                custody.transitions().append(tx, id, "controller", adopted);
                CvmRegistry.adopted(tx.handle(), id, hostKeyLine, pin.fingerprint(), next);
                return null;
            });
            custody.pool().keep(id, session);
            kept = true;
        } finally {
            if (!kept) {
                handshake.close();
            }
        }
    }

    /** Deletes the CVM's resource group, logs what was in it, and says in words how that went. */
    private static String deleteGroup(AzureCloud cloud, String id) {
        try {
            return "its resource group " + resourceGroup(id) + " was deleted (" + deleteLogged(cloud, id).size() + " resources)";
        } catch (AzureFailure e) {
            return "deleting its resource group " + resourceGroup(id) + " failed (" + e.getMessage() + "); stopping the CVM deletes it";
        }
    }

    /** Deletes the CVM's resource group; each resource deleted, or the failure, is an operator's log line. */
    private static List<String> deleteLogged(AzureCloud cloud, String id) throws AzureFailure {
        try {
            List<String> deleted = cloud.delete(resourceGroup(id));
            deleted.forEach(resource -> LOG.info("azure.deleted cvm={} resource={}", id, resource));
            return deleted;
        } catch (AzureFailure e) {
            LOG.warn("azure.delete-failed cvm={} group={} reason={}", id, resourceGroup(id), e.getMessage());
            throw e;
        }
    }

    /** Resource Manager, for the CVM {@code id} an operation on which needs it ({@code toDo}): refused if this controller has none. */
    private AzureCloud cloud(String id, String toDo) throws ControllerException {
        return azure.orElseThrow(() -> new ControllerException(Kind.CONFLICT, "CVM " + id + " is an Azure VM and this controller has no "
                + "Azure provider " + toDo, Optional.of(id))).cloud();
    }

    /**
     * Deletes the CVM's resource group and everything in it: whether there was anything to delete.
     * Refused if Azure does not delete it, so that a CVM is never recorded stopped while its VM may run.
     */
    @Override
    public boolean stop(String id) throws ControllerException {
        AzureCloud cloud = cloud(id, "to delete it: start the controller with the subscription it is in");
        try {
            return !deleteLogged(cloud, id).isEmpty();
        } catch (AzureFailure e) {
            throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is not stopped: " + e.getMessage() + "; stop it again",
                    Optional.of(id));
        }
    }

    /** Refuses the switch to {@code in-service} while ARM shows a way into the VM that bypasses the controller. */
    @Override
    public void refuseBypass(CvmRow row) throws ControllerException {
        AzureCloud cloud = cloud(row.id(), "to check it");
        List<String> bypass;
        try {
            bypass = cloud.bypassPaths(resourceGroup(row.id()), row.id());
        } catch (AzureFailure e) {
            // Refused (and so logged) when the check cannot be made: a switch is never let through unchecked.
            throw new ControllerException(Kind.CONFLICT, "CVM " + row.id() + " could not be checked for bypass paths: " + e.getMessage(),
                    Optional.of(row.id()));
        }
        if (!bypass.isEmpty()) {
            bypass.forEach(path -> LOG.warn("azure.bypass-refused cvm={} at=in-service path={}", row.id(), path));
            throw new ControllerException(Kind.BYPASS_PRESENT, "CVM " + row.id() + " has a way in that bypasses the controller: "
                    + String.join("; ", bypass), Optional.of(row.id()));
        }
    }

    /**
     * Fresh vTPM evidence over the session pinned to the CVM's attested host key: the HCL report and
     * VCEK read again and a quote qualified by {@link CvmFreshBinding#vtpmQualifyingData} of that key,
     * {@code nonce} and {@code head} (the SHA-256 form: 64 bytes may not fit a quote), verified as at
     * launch. Refused when the guest gives none ({@link Kind#CVM_EVIDENCE_UNAVAILABLE}) or evidence that
     * does not bind or verify ({@link Kind#CVM_EVIDENCE_REJECTED}).
     */
    @Override
    public FreshCvmEvidence freshEvidence(CvmRow row, String nonce, CvmFreshBinding.LogHead head) throws ControllerException {
        AzureSupport.Guest guest = azure.map(AzureSupport::guest).orElseThrow(() -> new ControllerException(Kind.CONFLICT, "CVM "
                + row.id() + " has no fresh evidence: this controller runs without its Azure provider", Optional.of(row.id())));
        String hostKey = row.hostKey().orElseThrow(() -> new ControllerException(Kind.CONFLICT, "CVM " + row.id()
                + " has no pinned host key", Optional.of(row.id())));
        byte[] blob = Base64.getDecoder().decode(hostKey.split(" ")[1]);
        Octets qualifying = CvmFreshBinding.vtpmQualifyingData(blob, nonce, head);
        VtpmEvidence collected;
        try {
            collected = new VtpmCollector(guest.collector()).collect(custody.pool().session(row), qualifying);
        } catch (IOException e) {
            throw new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + row.id() + " gave no fresh vTPM evidence: "
                    + Transitions.reason(e), Optional.of(row.id()));
        }
        VtpmEvidence evidence;
        try {
            evidence = guest.withCollateral(collected);
        } catch (IOException e) {
            throw new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + row.id() + "'s fresh TD quote cannot be appraised: "
                    + Transitions.reason(e), Optional.of(row.id()));
        }
        Octets json = Octets.copyOf(evidence.json());
        Check binding = CvmFreshBinding.verify(json, blob, nonce, head);
        if (!binding.passed()) {
            throw rejected(row.id(), binding.describe());
        }
        Verdict verdict;
        try {
            verdict = verifier(guest).verify(AzureEvidenceParser.parseJson(json.toByteArray()), qualifying, Collateral.none(),
                    VtpmHostKeyBinding.policy(), clock.instant());
        } catch (MalformedEvidenceException e) {
            throw rejected(row.id(), e.getMessage());
        }
        if (!verdict.accepted()) {
            throw rejected(row.id(), String.join("; ", verdict.failures().stream().map(Check::describe).toList()));
        }
        List<String> checks = new ArrayList<>();
        checks.add(binding.describe());
        verdict.checks().forEach(c -> checks.add(c.describe()));
        return new FreshCvmEvidence(row.id(), VtpmHostKeyBinding.EVIDENCE_SOURCE, guest.simulated(), trust(verdict, guest), nonce, hostKey,
                head, qualifying, json, Octets.copyOf(new byte[0]), checks, clock.instant());
    }

    private static AzureVtpmVerifier verifier(AzureSupport.Guest guest) {
        return new AzureVtpmVerifier(guest.amd(), guest.intel(), SignatureCache.none());
    }

    /** What the log's {@code trust} says: the evidence and the root it was checked under (a simulated root names itself so). */
    private static String trust(Verdict verdict, AzureSupport.Guest guest) {
        return verdict.evidence() + " under " + guest.root(verdict.kind());
    }

    private static ControllerException rejected(String id, String why) {
        return new ControllerException(Kind.CVM_EVIDENCE_REJECTED, "CVM " + id + "'s fresh vTPM evidence was refused: " + why, Optional.of(id));
    }

    @Override
    public void close() {
        // Nothing runs here between calls: the SDK's client holds no process or VM of the controller's.
    }
}
