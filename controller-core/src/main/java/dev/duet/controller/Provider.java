package dev.duet.controller;

import dev.duet.attestation.CvmFreshBinding;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.sealing.Sealer;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.protocol.CvmMode;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * One way a CVM comes into the controller's custody (docs/providers.md): adopting a machine over
 * SSH, or launching a QEMU guest. A provider takes from the owner's request what it needs, records
 * the new CVM in {@code provisioning} with its first log entry and answers at once, then brings it
 * to {@code in-update} (or {@code failed}) in the background, holding the CVM's lock. Whether a
 * change may happen is not its decision: it asks {@link Transitions}.
 */
interface Provider extends AutoCloseable {
    /**
     * What every provider works with: the store, the lifecycle, key sealing, SSH, the CVMs' locks and
     * sessions, background work, and the policies (a new CVM starts with the default in force).
     */
    record Custody(SqliteStore store, Transitions transitions, Sealer sealer, SshConnector connector, SessionPool pool,
            ExecutorService provisioning, ControllerEvents events, PolicyService policies) {
        /** Runs a CVM's provisioning in the background, and reports how it ended and how long it took. */
        void provision(ProviderKind kind, String id, Runnable work) {
            provisioning.submit(() -> {
                long started = System.nanoTime();
                work.run();
                CvmMode mode = store.read(h -> CvmRegistry.find(h, id)).map(CvmRegistry.CvmRow::mode).orElse(CvmMode.FAILED);
                events.provisioned(id, kind, mode, Duration.ofNanos(System.nanoTime() - started));
            });
        }
    }

    /** Starts bringing a machine into custody; answers with the CVM in {@code provisioning}. */
    CvmView create(OwnerId owner, CreateRequest request) throws ControllerException;

    /**
     * Stops what this provider runs for the CVM, when its owner stops it (under the CVM's lock,
     * before its key is destroyed): whether there was a VM to stop, which {@code cvm.stopped} records.
     * Refused when what the provider runs could not be stopped: the CVM then stays as it was.
     */
    boolean stop(String id) throws ControllerException;

    /**
     * A fresh report from the CVM (under its lock, in custody) bound to its host key, {@code nonce}
     * and {@code head} ({@link dev.duet.attestation.CvmFreshBinding}), checked before it is
     * returned; refused for machines with no TEE interface the controller can ask.
     */
    FreshCvmEvidence freshEvidence(CvmRow row, String nonce, CvmFreshBinding.LogHead head) throws ControllerException;

    /**
     * Refuses ({@link ControllerException.Kind#BYPASS_PRESENT}) the switch to {@code in-service}, under
     * the CVM's lock, while the machine has a way in that goes around the controller. Only a provider
     * that can see such ways (Azure, through Resource Manager) checks; for a machine adopted over SSH
     * or a QEMU guest the controller starts, there is no such interface to read.
     */
    default void refuseBypass(CvmRow row) throws ControllerException {}

    @Override
    void close();
}
