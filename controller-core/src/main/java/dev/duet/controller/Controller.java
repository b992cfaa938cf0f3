package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.controller.sealing.Sealer;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.FreshCvmEvidence;
import dev.duet.provisioner.ssh.SshConnector;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The controller (DESIGN §1): holds each CVM's only SSH key, enforces the CVM's mode, and records
 * every change and every refusal in the log before it answers. Each state change and its log entry
 * are one durable SQLite transaction; work on one CVM is serialised by that CVM's lock, so the log
 * order is the order in which things happened to it.
 *
 * <p>This is the one object the API calls. It changes modes and stops CVMs itself and hands every
 * other job to a part named after it: {@link Bootstrap} opens it, {@link OwnerGate} admits owners
 * and logs refusals, a {@link Provider} per {@link ProviderKind} brings machines into custody,
 * {@link CommandService} runs commands, {@link StateComposer} answers reads, and all of them ask
 * {@link Transitions} whether a change may happen.
 */
public final class Controller implements AutoCloseable {
    private final ControllerConfig config;
    private final DataDirectory dataDirectory;
    private final SqliteStore store;
    private final Ed25519KeyPair signingKey;
    private final TlsIdentity tls;
    private final OwnerGate gate;
    private final SshConnector connector;
    private final ExecutorService provisioning;
    private final SessionPool pool;
    private final Map<ProviderKind, Provider> providers = new EnumMap<>(ProviderKind.class);
    private final StateComposer reads;
    private final Transitions transitions;
    private final CommandService commands;
    private final FreshEvidence fresh;
    private final ControllerEvents events = new ControllerEvents();
    private final ModeCounts modeCounts;
    private final EndOfCustody endOfCustody;
    private final ModeSwitch modeSwitch;
    private final OwnerSet owners;
    private final Governance governance;
    private final Approvals approvals;
    private final Shield shield;

    private Controller(ControllerConfig config, Bootstrap.Opened opened, Optional<QemuSupport> qemu, Optional<AzureSupport> azure,
            SelfAttestation attestation) {
        this.config = config;
        this.dataDirectory = opened.directory();
        this.store = opened.store();
        Sealer sealer = opened.sealer();
        this.signingKey = opened.signingKey();
        this.tls = opened.tls();
        this.owners = opened.owners();
        this.gate = new OwnerGate(store, owners, signingKey.publicKey().keyId(), config);
        this.transitions = new Transitions(store, config.clock());
        this.governance = new Governance(store, owners, gate, transitions, config.clock(), config.approvalExpiry());
        this.approvals = new Approvals(governance, new OwnerChanges(store, owners, governance, transitions));
        this.reads = new StateComposer(store, signingKey, tls, sealer, config.clock(), attestation);
        this.fresh = new FreshEvidence(store);
        this.connector = new SshConnector(config.sshConnectTimeout());
        this.pool = new SessionPool(sealer, connector);
        this.provisioning = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "duet-provisioning");
            t.setDaemon(true);
            return t;
        });
        Policies policies = new Policies();
        PolicyService policyService = new PolicyService(store, transitions, pool, policies, governance, gate);
        this.commands = new CommandService(store, transitions, pool, gate, config.maxCommandTimeout(), config.outputCapBytes(), events,
                policyService);
        this.modeCounts = new ModeCounts(store);
        Provider.Custody custody = new Provider.Custody(store, transitions, sealer, connector, pool, provisioning, events, policyService);
        providers.put(ProviderKind.SSH, new SshProvider(custody, owners));
        providers.put(ProviderKind.QEMU, new QemuGuestProvider(qemu, custody, config.clock()));
        providers.put(ProviderKind.AZURE, new AzureProvider(azure, custody, config.clock()));
        this.endOfCustody = new EndOfCustody(store, transitions, pool, providers);
        this.modeSwitch = new ModeSwitch(store, transitions, pool, fresh, providers, policyService, commands);
        this.shield = new Shield(transitions, policyService, new FileTransfers(store, transitions, pool, policyService));
    }

    /**
     * Opens (or initialises) the controller on its data directory. A new directory gets a sealing
     * key, a signing key and log entry 0 registering the owner keys; an existing one keeps all three.
     */
    public static Controller open(ControllerConfig config) throws IOException {
        return open(config, dir -> FileSealer.openOrCreate(dir.sealingKey()));
    }

    /** Where the sealing key comes from: a file in development, the TEE in production. */
    @FunctionalInterface
    public interface SealerSource {
        Sealer open(DataDirectory dir) throws IOException;
    }

    /** Opens the controller with a sealer of the caller's choosing (e.g. one backed by a TEE sealing key). */
    public static Controller open(ControllerConfig config, SealerSource sealerSource) throws IOException {
        return open(config, sealerSource, Optional.empty());
    }

    /** Opens the controller; with {@code qemu} it can also create CVMs itself (provider {@code qemu}). */
    public static Controller open(ControllerConfig config, SealerSource sealerSource, Optional<QemuSupport> qemu)
            throws IOException {
        return open(config, sealerSource, qemu, SelfAttestation.none());
    }

    /** Opens the controller with its own evidence from {@code attestation} (DESIGN §8). */
    public static Controller open(ControllerConfig config, SealerSource sealerSource, Optional<QemuSupport> qemu,
            SelfAttestation attestation) throws IOException {
        return open(config, sealerSource, qemu, Optional.empty(), attestation);
    }

    /** Opens the controller; with {@code azure} it can also create Azure confidential VMs (provider {@code azure}). */
    public static Controller open(ControllerConfig config, SealerSource sealerSource, Optional<QemuSupport> qemu,
            Optional<AzureSupport> azure, SelfAttestation attestation) throws IOException {
        return new Controller(config, Bootstrap.open(config, sealerSource), qemu, azure, attestation);
    }

    /**
     * From now on the controller reports to {@code metrics}: each log commit (its size is reported at
     * once), each owner's command, each provisioning. One at a time: a later call replaces it.
     */
    public void reportTo(ControllerMetrics metrics) {
        events.reportTo(metrics);
        store.onCommit((size, appended, nanos) -> metrics.logCommitted(size, appended, Duration.ofNanos(nanos)));
    }

    /** How many CVMs are in each mode ({@link ModeCounts}: from memory until the log grows). */
    public Map<CvmMode, Long> cvmsByMode() {
        return modeCounts.now();
    }

    // ---- reads: no authentication ----

    /**
     * The signed evidence document; with a nonce it is signed for this request, without one it is
     * signed at most once a second, as anyone may ask for it, often.
     */
    public ObjectNode evidence(Optional<String> nonce) throws ControllerException {
        return reads.evidence(nonce);
    }

    public Ed25519PublicKey signingKey() {
        return signingKey.publicKey();
    }

    /** The key (and certificate) the controller serves HTTPS with; its evidence names and binds the key. */
    public TlsIdentity tls() {
        return tls;
    }

    /** What one client may cost this controller; the HTTP server applies the connection limits. */
    public RequestLimits limits() {
        return config.limits();
    }

    /** The CVMs in the list (not those removed from it). */
    public List<CvmView> list() {
        return store.read(h -> CvmRegistry.listed(h).stream().map(CvmRow::view).toList());
    }

    /**
     * The id {@code cvm} stands for: every method here that takes a CVM takes its id or the name of
     * a CVM in the list ({@code cvm-} and 16 hex digits is always an id; no name has that form).
     */
    public String resolve(String cvm) throws ControllerException {
        return transitions.resolve(cvm);
    }

    public CvmView get(String cvm) throws ControllerException {
        return transitions.row(resolve(cvm)).view();
    }

    /**
     * The CVM's signed summary ({@code duet.cvm-state/v2}) as sent: constant in size, from one
     * snapshot; without a nonce the same bytes while the log has not grown.
     */
    public byte[] signedState(String cvm, Optional<String> nonce) throws ControllerException {
        return reads.signedState(resolve(cvm), nonce);
    }

    /**
     * Whether {@link #signedState} without a nonce would now send the bytes last signed (no query,
     * no signature): such a read costs what a read from memory costs, however long the history.
     */
    public boolean stateInMemory(String cvm) {
        // A name is resolved in the store, which is what this answers without.
        return CvmRef.isId(cvm) && reads.stateInMemory(cvm);
    }

    /** A page of the CVM's own entries from log position {@code start}, at most {@code limit} (and 1000). */
    public ObjectNode cvmEntries(String cvm, long start, int limit) throws ControllerException {
        return reads.cvmEntries(resolve(cvm), start, limit);
    }

    /**
     * The CVM's bundle ({@code duet.bundle/v1}): the controller's evidence, its key, the CVM's summary,
     * log entry 0, its history (all, or from {@code since} with the consistency proof), checkpoint and
     * proofs, signed; with a nonce, the CVM's fresh report or why it has none ({@link CvmEvidence#bundle}).
     */
    public ObjectNode bundle(String cvm, Optional<String> nonce, OptionalLong since) throws ControllerException {
        return CvmEvidence.bundle(reads, this::freshEvidence, resolve(cvm), nonce, since);
    }

    /**
     * Entries {@code [start, end)} of the whole log with its current size and head, for a full chain
     * check. Like RFC 6962's get-entries, at most 1000 entries (one page) come back;
     * callers page on.
     */
    public ObjectNode logEntries(long start, Optional<Long> end) throws ControllerException {
        return reads.logEntries(start, end);
    }

    /** The latest signed checkpoint (C2SP tlog-checkpoint note), from memory: anyone may ask for it, often. */
    public String checkpoint() {
        return reads.checkpoint();
    }

    /** The RFC 9162 inclusion proof of entry {@code index} in the tree of size {@code size}. */
    public List<Sha256Hash> inclusionProof(long index, long size) throws ControllerException {
        return reads.inclusionProof(index, size);
    }

    /** The RFC 9162 consistency proof between tree sizes {@code from} and {@code to}. */
    public List<Sha256Hash> consistencyProof(long from, long to) throws ControllerException {
        return reads.consistencyProof(from, to);
    }

    /**
     * A fresh report from the CVM (DESIGN §3.6), bound to its host key, {@code nonce} and the head
     * of its log now, over the session pinned to that key, and checked before it is returned. One
     * at a time per CVM: a second request is refused at once, 503 with Retry-After, as is one that
     * waits more than {@link FreshEvidence#WAIT} for the CVM's current operation (a command) to end.
     * Refused for an unknown CVM, one that is not in-update or in-service, and one adopted over
     * SSH, which has no TEE interface to ask.
     */
    public FreshCvmEvidence freshEvidence(String cvm, String nonce) throws ControllerException {
        return fresh.report(resolve(cvm), nonce, transitions, pool, providers);
    }

    // ---- owner operations ----

    /** What an owner route does once its caller is authenticated, with the body it signed. */
    @FunctionalInterface
    public interface OwnerAction<T> {
        T run(OwnerId owner, byte[] body) throws ControllerException;
    }

    /**
     * Admits the request ({@link OwnerAuthenticator}: headers first, the body from {@code body} only
     * once they are authenticated), then runs the action. A refusal before the sender is
     * authenticated is counted in the next refusal summary and may be answered 429 instead
     * ({@link UnauthenticatedRefusals}); a refusal of an authenticated owner is appended to the log
     * (DESIGN §3.4) before it is rethrown. Valid owner requests never draw on the refusal rate.
     */
    public <T> T asOwner(OwnerRequest request, BodySource body, OwnerAction<T> action) throws ControllerException {
        return gate.asOwner(request, body, action);
    }

    /**
     * Counts a request refused before any route could look at it (its path is not even well-formed)
     * as an unauthenticated refusal, like one {@link #asOwner} refuses: the refusal to answer with,
     * or a 429 once its source or everyone is over the rate.
     */
    public ControllerException refusedUnauthenticated(OwnerRequest request, ControllerException refusal) {
        return gate.refusedUnauthenticated(request, refusal);
    }

    /**
     * Starts bringing a machine into custody by the provider the request names ({@link Provider}):
     * adopting it over SSH or launching it as a QEMU guest. Answers at once with the CVM in
     * {@code provisioning}.
     */
    public CvmView create(OwnerId owner, CreateRequest request) throws ControllerException {
        ProviderKind kind = ProviderKind.parse(request.provider()).orElseThrow(() -> invalid(
                "provider must be \"qemu\" (a VM the controller starts), \"azure\" (an Azure confidential VM the controller creates) or "
                        + "\"ssh\" (adopt a machine)"));
        CvmView view = providers.get(kind).create(owner, request);
        ControllerEvents.created(view);
        return view;
    }

    /**
     * Switches between {@code in-update} and {@code in-service}; the switch to {@code in-service}
     * re-attests the CVM first ({@link FreshEvidence#reAttest}) and logs the report with the switch.
     */
    public ModeChange setMode(OwnerId owner, String cvm, String requested) throws ControllerException {
        // A caller in this JVM sent no HTTP request: a waiting request records what it asked in words.
        return setMode(owner, new OwnerRequest.Line("PUT", "mode of " + cvm), new byte[0], cvm, requested);
    }

    /**
     * The switch as the owner requested it ({@code line}, {@code body}): leaving {@code in-service}
     * is governed ({@link Governance}: k of n owners, re-checked when finally carried out).
     */
    public ModeChange setMode(OwnerId owner, OwnerRequest.Line line, byte[] body, String cvm, String requested) throws ControllerException {
        Optional<CvmMode> target = CvmMode.parse(requested == null ? "" : requested).filter(CvmMode::isOperational);
        if (target.isEmpty()) {
            throw invalid("mode must be \"in-update\" or \"in-service\"");
        }
        return modeSwitch.requested(owner, line, body, resolve(cvm), target.get(), governance);
    }

    /** Governed requests waiting for owners, their approval, and owner key changes (issue 12). */
    public Approvals approvals() {
        return approvals;
    }

    /** The command policy and file transfers (issue 12). */
    public Shield shield() {
        return shield;
    }

    /**
     * Runs a command if the CVM's policy allows it in its mode ({@link CommandService}); a refusal is
     * logged with {@code line}, the request as received, the argv and the rule that refused it.
     */
    public CommandResult runCommand(OwnerId owner, OwnerRequest.Line line, String cvm, CommandRequest request) throws ControllerException {
        return commands.run(owner, line, resolve(cvm), request);
    }

    /**
     * Stops managing the CVM: closes its session and destroys its SSH key. The machine keeps the
     * controller's key as its only authorized key, so after this nobody can log in over SSH. When this
     * returns, the sealed key is in no file of the data directory ({@link Transaction#scrubAfterCommit}).
     */
    public CvmView stop(OwnerId owner, String cvm) throws ControllerException {
        return endOfCustody.stop(owner, resolve(cvm));
    }

    /**
     * Removes a stopped or failed CVM from the list (a {@code cvm.removed} entry): {@link #list}
     * omits it and its name is free for another CVM, while its row and history stay, so its state,
     * entries and bundle still answer by its id.
     */
    public CvmView remove(OwnerId owner, String cvm) throws ControllerException {
        return endOfCustody.remove(owner, resolve(cvm));
    }

    // ---- lifetime ----

    /** Waits for background adoptions to settle; for orderly shutdown and tests. */
    public void awaitProvisioning(Duration timeout) throws InterruptedException {
        provisioning.shutdown();
        provisioning.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        governance.close();
        gate.close();
        provisioning.shutdownNow();
        try {
            provisioning.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
        providers.values().forEach(Provider::close);
        connector.close();
        store.close();
        dataDirectory.close();
    }
}
