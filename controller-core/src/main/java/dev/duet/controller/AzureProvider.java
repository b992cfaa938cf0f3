package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.attestation.CvmFreshBinding;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureFailure;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;
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
 * <p>It then FAILS CLOSED: the VM's SSH host key would be trusted only once the guest's vTPM
 * evidence (the HCL report and a quote whose nonce binds the key, {@code VtpmHostKeyBinding})
 * verifies, and this provider does not collect it yet: {@link dev.duet.provisioner.azure.VtpmCollector}
 * can, but what users re-check offline from the log reads SEV-SNP reports only, so evidence logged
 * here could not be re-checked (docs/providers.md, "Collecting the vTPM evidence"). So no Azure CVM
 * reaches {@code in-update}; each ends {@code failed} with that reason, and its resource group is deleted.
 */
final class AzureProvider implements Provider {
    private static final Logger LOG = LoggerFactory.getLogger(AzureProvider.class);
    static final String ADMIN = "duet";
    static final String NO_EVIDENCE = "not adopted: the VM's SSH host key is trusted only once its vTPM evidence (the HCL report and a "
            + "quote binding the key) verifies, and this controller cannot yet collect that evidence from an Azure guest";

    private final Optional<AzureSupport> azure;
    private final Custody custody;

    AzureProvider(Optional<AzureSupport> azure, Custody custody) {
        this.azure = azure;
        this.custody = custody;
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
        AzureVmSpec spec;
        try {
            spec = new AzureVmSpec(resourceGroup(id), id, support.location(), tee, asked.vmSize().orElse(tee.defaultSize()), ADMIN,
                    fresh.keyLine(), support.sshSource());
        } catch (IllegalArgumentException e) {
            throw invalid("azure.vm_size must be an Azure VM size such as " + tee.defaultSize());
        }
        Payload payload = new Payload.AzureLaunchStarted(name, fresh.keyLine(), tee.wire(), spec.vmSize(), spec.location(),
                spec.resourceGroup(), AzureVmSpec.IMAGE, spec.sshSource());
        CvmView view = custody.store().write(tx -> {
            Transitions.nameFree(tx.handle(), name);
            LogEntry entry = custody.transitions().append(tx, id, owner.actor(), payload);
            custody.policies().copyDefault(tx, id);
            CvmRegistry.insert(tx.handle(), new CvmRegistry.NewRow(id, name, ProviderKind.AZURE, spec.resourceGroup(), 22, ADMIN,
                    "bound by attestation", spec.authorizedKeysPath(), fresh.sshKey().getPublic().getEncoded(), fresh.keyLine(),
                    fresh.sealed(), entry.seq()));
            return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
        });
        custody.provision(ProviderKind.AZURE, id, () -> launch(support.cloud(), spec));
        return view;
    }

    /** Creates the VM, refuses it for any bypass path, and then fails closed; whatever was created is deleted. */
    private void launch(AzureCloud cloud, AzureVmSpec spec) {
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
                reason = bypass.isEmpty() ? NO_EVIDENCE : "refused: the VM has a way in that bypasses the controller: "
                        + String.join("; ", bypass);
            } catch (AzureFailure e) {
                reason = e.getMessage();
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

    @Override
    public FreshCvmEvidence freshEvidence(CvmRow row, String nonce, CvmFreshBinding.LogHead head) throws ControllerException {
        throw new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + row.id() + " has no fresh evidence: collecting vTPM "
                + "evidence from an Azure guest is not built", Optional.of(row.id()));
    }

    @Override
    public void close() {
        // Nothing runs here between calls: the SDK's client holds no process or VM of the controller's.
    }
}
