package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.controller.sealing.Sealer;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.store.SqliteStore;
import dev.duet.log.store.Transaction;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.Lifecycle;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshFailure;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The controller (DESIGN §1): holds each CVM's only SSH key, enforces the CVM's mode, and records
 * every change and every refusal in the log before it answers. Each state change and its log entry
 * are one durable SQLite transaction; work on one CVM is serialised by that CVM's lock, so the log
 * order is the order in which things happened to it.
 */
public final class Controller implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_ARGS = 256;
    /** Shorter than this, a command cannot even be started over SSH: the owner's mistake, not the CVM's failure. */
    private static final Duration MIN_COMMAND_TIMEOUT = Duration.ofSeconds(1);

    private final ControllerConfig config;
    private final DataDirectory dataDirectory;
    private final SqliteStore store;
    private final Sealer sealer;
    private final Ed25519KeyPair signingKey;
    private final OwnerGate gate;
    private final SshConnector connector;
    private final ExecutorService provisioning;
    private final SessionPool pool;
    private final Map<ProviderKind, Provider> providers = new EnumMap<>(ProviderKind.class);
    private final StateComposer reads;
    private final Transitions transitions;

    private Controller(ControllerConfig config, Bootstrap.Opened opened, Optional<QemuSupport> qemu) {
        this.config = config;
        this.dataDirectory = opened.directory();
        this.store = opened.store();
        this.sealer = opened.sealer();
        this.signingKey = opened.signingKey();
        this.gate = new OwnerGate(store, opened.owners(), config);
        this.reads = new StateComposer(store, signingKey, sealer, config.clock());
        this.transitions = new Transitions(store, config.clock());
        this.connector = new SshConnector(config.sshConnectTimeout());
        this.pool = new SessionPool(sealer, connector);
        this.provisioning = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "duet-provisioning");
            t.setDaemon(true);
            return t;
        });
        providers.put(ProviderKind.SSH, new SshProvider(store, transitions, sealer, connector, pool, provisioning));
        providers.put(ProviderKind.QEMU, new QemuGuestProvider(qemu, store, transitions, sealer, connector, pool, provisioning, config.clock()));
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
        return new Controller(config, Bootstrap.open(config, sealerSource), qemu);
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

    /** What one client may cost this controller; the HTTP server applies the connection limits. */
    public RequestLimits limits() {
        return config.limits();
    }

    public List<CvmView> list() {
        return store.read(h -> CvmRegistry.all(h).stream().map(CvmRow::view).toList());
    }

    public CvmView get(String id) throws ControllerException {
        return store.read(h -> CvmRegistry.find(h, id)).map(CvmRow::view).orElseThrow(() -> ControllerException.unknownCvm(id));
    }

    /** The CVM's signed state: its record, its complete history, and the log head, from one snapshot. */
    public ObjectNode signedState(String id, Optional<String> nonce) throws ControllerException {
        return reads.signedState(id, nonce);
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
                "provider must be \"qemu\" (a VM the controller starts) or \"ssh\" (adopt a machine)"));
        return providers.get(kind).create(owner, request);
    }

    public ModeChange setMode(OwnerId owner, String id, String requested) throws ControllerException {
        Optional<CvmMode> target = CvmMode.parse(requested == null ? "" : requested).filter(CvmMode::isOperational);
        if (target.isEmpty()) {
            throw invalid("mode must be \"in-update\" or \"in-service\"");
        }
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            if (row.mode() == target.get()) {
                return new ModeChange(row.view(), false, OptionalLong.empty());
            }
            if (Transitions.refuses(row.mode(), new Lifecycle.Event.ModeChanged(row.mode(), target.get()))) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire() + "; its mode cannot change", Optional.of(id));
            }
            Payload payload = new Payload.ModeChanged(row.mode(), target.get());
            return store.write(tx -> {
                LogEntry entry = tx.append(PayloadCodec.draft(id, owner.actor(), payload), config.clock().instant());
                CvmRegistry.setMode(tx.handle(), id, target.get(), Optional.empty());
                return new ModeChange(CvmRegistry.find(tx.handle(), id).orElseThrow().view(), true, OptionalLong.of(entry.seq()));
            });
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs a command, only in {@code in-update}. Whatever cannot be sent as it is (an argv whose
     * command line no supported SSH server takes, {@link RemoteCommand#MAX_COMMAND_LINE_BYTES}) is
     * refused before anything is logged. The start is logged (and durable) before anything is sent,
     * so a crash mid-command leaves a visible started-but-not-completed entry; a command whose
     * outcome never came back is logged as failed, never as completed. A refusal because of the mode
     * is logged with {@code line}, the request as received, and the argv it asked for.
     */
    public CommandResult runCommand(OwnerId owner, OwnerRequest.Line line, String id, List<String> argv, Duration timeout) throws ControllerException {
        if (argv == null || argv.isEmpty() || argv.size() > MAX_ARGS) {
            throw invalid("argv must hold 1 to " + MAX_ARGS + " arguments");
        }
        for (String arg : argv) {
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw invalid("arguments must be strings without NUL bytes");
            }
        }
        if (timeout.compareTo(MIN_COMMAND_TIMEOUT) < 0 || timeout.compareTo(config.maxCommandTimeout()) > 0) {
            throw invalid("timeout must be between " + MIN_COMMAND_TIMEOUT.toSeconds() + " s and " + config.maxCommandTimeout().toSeconds() + " s");
        }
        RemoteCommand command;
        try {
            command = new RemoteCommand(argv, timeout, config.outputCapBytes());
        } catch (IllegalArgumentException e) {
            throw invalid("argv cannot be sent: " + e.getMessage());
        }
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            if (Transitions.refuses(row.mode(), new Lifecycle.Event.CommandStarted())) {
                ControllerException refusal = new ControllerException(Kind.MODE_FORBIDS,
                        "CVM " + id + " is " + row.mode().wire() + ": commands run only in in-update", Optional.of(id));
                gate.recordModeRefusal(id, owner, line, argv, refusal);
                throw refusal;
            }
            String commandId = "cmd-" + HexFormat.of().formatHex(randomBytes(8));
            Payload started = new Payload.CommandStarted(commandId, argv, timeout);
            LogEntry startEntry = store.write(tx -> tx.append(PayloadCodec.draft(id, owner.actor(), started), config.clock().instant()));
            CommandOutcome outcome;
            try {
                outcome = pool.session(row).run(command);
            } catch (SshFailure e) {
                pool.close(id);
                Payload failed = new Payload.CommandFailed(commandId, e.getMessage());
                store.write(tx -> tx.append(PayloadCodec.draft(id, "controller", failed), config.clock().instant()));
                throw new ControllerException(Kind.TARGET_FAILED, "command could not be run on " + id + ": " + e.getMessage(), Optional.of(id));
            }
            Payload.CommandCompleted completed = new Payload.CommandCompleted(commandId, outcome.exitStatus(), outcome.exitSignal(),
                    outcome.timedOut(), output(outcome.stdout()), output(outcome.stderr()));
            LogEntry doneEntry = store.write(tx -> tx.append(PayloadCodec.draft(id, "controller", completed), config.clock().instant()));
            return new CommandResult(commandId, outcome.exitStatus(), outcome.exitSignal().orElse(null), outcome.timedOut(),
                    completed.stdout().base64(), outcome.stdout().sha256(), outcome.stdout().totalBytes(), outcome.stdout().truncated(),
                    completed.stderr().base64(), outcome.stderr().sha256(), outcome.stderr().totalBytes(), outcome.stderr().truncated(),
                    startEntry.seq(), doneEntry.seq());
        } finally {
            lock.unlock();
        }
    }

    private static Payload.Output output(dev.duet.provisioner.ssh.CapturedOutput output) {
        return new Payload.Output(Base64.getEncoder().encodeToString(output.bytes()), output.sha256(), output.totalBytes(), output.truncated());
    }

    /**
     * Stops managing the CVM: closes its session and destroys its SSH key. The machine keeps the
     * controller's key as its only authorized key, so after this nobody can log in over SSH. When this
     * returns, the sealed key is in no file of the data directory ({@link Transaction#scrubAfterCommit}).
     */
    public CvmView stop(OwnerId owner, String id) throws ControllerException {
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            if (Transitions.refuses(row.mode(), new Lifecycle.Event.Stopped(row.mode()))) {
                throw new ControllerException(Kind.CONFLICT, "CVM " + id + " is " + row.mode().wire() + " and cannot be stopped now", Optional.of(id));
            }
            boolean vmStopped = providers.get(row.provider()).stop(id);
            pool.close(id);
            Payload payload = new Payload.Stopped(row.mode(), vmStopped);
            return store.write(tx -> {
                tx.append(PayloadCodec.draft(id, owner.actor(), payload), config.clock().instant());
                CvmRegistry.setMode(tx.handle(), id, CvmMode.STOPPED, Optional.empty());
                CvmRegistry.destroyKey(tx.handle(), id);
                tx.scrubAfterCommit();
                return CvmRegistry.find(tx.handle(), id).orElseThrow().view();
            });
        } finally {
            lock.unlock();
        }
    }

    // ---- internals ----

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Waits for background adoptions to settle; for orderly shutdown and tests. */
    public void awaitProvisioning(Duration timeout) throws InterruptedException {
        provisioning.shutdown();
        provisioning.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
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
