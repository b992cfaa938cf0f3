package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.shield.Action;
import dev.duet.protocol.shield.Decision;
import dev.duet.provisioner.ssh.CapturedOutput;
import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshFailure;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An owner's commands (DESIGN §3.3): what a command may be (its argv and its timeout), the decision
 * of the CVM's policy in its mode (issue 12), the command over the CVM's session, and the entries
 * that record it, the start durable before anything is sent and naming the rule that allowed it.
 * The commands a policy runs on leaving service go the same way.
 */
final class CommandService {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_ARGS = 256;
    /** Shorter than this, a command cannot even be started over SSH: the owner's mistake, not the CVM's failure. */
    private static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    private static final BigDecimal DEFAULT_TIMEOUT_SECONDS = BigDecimal.valueOf(60);
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(1_000_000_000);
    /** How long a command run on leaving service may take (or the controller's maximum, if lower). */
    private static final Duration LEAVING_TIMEOUT = Duration.ofSeconds(60);

    private final SqliteStore store;
    private final Transitions transitions;
    private final SessionPool pool;
    private final OwnerGate gate;
    private final Duration maxTimeout;
    private final int outputCapBytes;
    private final ControllerEvents events;
    private final PolicyService policies;

    CommandService(SqliteStore store, Transitions transitions, SessionPool pool, OwnerGate gate, Duration maxTimeout, int outputCapBytes,
            ControllerEvents events, PolicyService policies) {
        this.events = events;
        this.policies = policies;
        this.store = store;
        this.transitions = transitions;
        this.pool = pool;
        this.gate = gate;
        this.maxTimeout = maxTimeout;
        this.outputCapBytes = outputCapBytes;
    }

    /** Runs a command ({@link #execute}) and counts how it ended. */
    CommandResult run(OwnerId owner, OwnerRequest.Line line, String id, CommandRequest request) throws ControllerException {
        try {
            CommandResult result = execute(owner, line, id, request);
            events.commandFinished(result.timedOut() ? ControllerMetrics.CommandOutcome.TIMED_OUT : ControllerMetrics.CommandOutcome.COMPLETED);
            return result;
        } catch (ControllerException e) {
            events.commandFinished(e.kind() == Kind.TARGET_FAILED ? ControllerMetrics.CommandOutcome.TARGET_FAILED
                    : ControllerMetrics.CommandOutcome.REFUSED);
            throw e;
        }
    }

    /**
     * Runs a command if the CVM's policy allows it in the CVM's mode. Whatever cannot be sent as it is (an argv whose
     * command line no supported SSH server takes, {@link RemoteCommand#MAX_COMMAND_LINE_BYTES}) is
     * refused before anything is logged. The start is logged (and durable) before anything is sent,
     * so a crash mid-command leaves a visible started-but-not-completed entry; a command whose
     * outcome never came back is logged as failed, never as completed. A refusal is logged with
     * {@code line}, the request as received, the argv it asked for and the rule that refused it.
     */
    private CommandResult execute(OwnerId owner, OwnerRequest.Line line, String id, CommandRequest request) throws ControllerException {
        Duration timeout = timeout(request.timeoutSeconds());
        List<String> argv = request.argv();
        if (argv == null || argv.isEmpty() || argv.size() > MAX_ARGS) {
            throw invalid("argv must hold 1 to " + MAX_ARGS + " arguments");
        }
        for (String arg : argv) {
            if (arg == null || arg.indexOf('\0') >= 0) {
                throw invalid("arguments must be strings without NUL bytes");
            }
        }
        if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(maxTimeout) > 0) {
            throw invalid("timeout must be between " + MIN_TIMEOUT.toSeconds() + " s and " + maxTimeout.toSeconds() + " s");
        }
        RemoteCommand command;
        try {
            command = new RemoteCommand(argv, timeout, outputCapBytes);
        } catch (IllegalArgumentException e) {
            throw invalid("argv cannot be sent: " + e.getMessage());
        }
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            Decision decision = policies.allow(owner, line, row, new Action.Exec(argv), new PolicyService.Asked.Command(argv)).decision();
            Ran ran = runLogged(row, owner.actor(), argv, timeout, decision.rule(), Optional.of(command));
            if (ran.failure().isPresent()) {
                throw new ControllerException(Kind.TARGET_FAILED, "command could not be run on " + id + ": " + ran.failure().get(),
                        Optional.of(id));
            }
            CommandOutcome outcome = ran.outcome().orElseThrow();
            Payload.CommandCompleted completed = ran.completed().orElseThrow();
            return new CommandResult(ran.commandId(), outcome.exitStatus(), outcome.exitSignal().orElse(null), outcome.timedOut(),
                    completed.stdout().base64(), outcome.stdout().sha256(), outcome.stdout().totalBytes(), outcome.stdout().truncated(),
                    completed.stderr().base64(), outcome.stderr().sha256(), outcome.stderr().totalBytes(), outcome.stderr().truncated(),
                    ran.startedIndex(), ran.endedIndex());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the command {@code index} of the CVM's policy on leaving service ({@code rule}
     * {@code on-leaving-service:<index>}, actor {@code controller}), logged like an owner's; the
     * caller holds the CVM's lock, right after the switch to in-update. A failure is how it ended,
     * not a refusal: the caller runs the next one anyway.
     */
    LeavingCommand leaving(CvmRow row, int index, List<String> argv) {
        Duration timeout = maxTimeout.compareTo(LEAVING_TIMEOUT) < 0 ? maxTimeout : LEAVING_TIMEOUT;
        Optional<RemoteCommand> command;
        try {
            command = Optional.of(new RemoteCommand(argv, timeout, outputCapBytes));
        } catch (IllegalArgumentException e) {
            command = Optional.empty();
        }
        Ran ran = runLogged(row, "controller", argv, timeout, Decision.ON_LEAVING_SERVICE + index, command);
        events.commandFinished(ran.failure().isPresent() ? ControllerMetrics.CommandOutcome.TARGET_FAILED
                : ran.outcome().orElseThrow().timedOut() ? ControllerMetrics.CommandOutcome.TIMED_OUT : ControllerMetrics.CommandOutcome.COMPLETED);
        return new LeavingCommand(index, argv, ran.outcome().flatMap(o -> o.exitStatus().isPresent()
                ? Optional.of(o.exitStatus().getAsInt()) : Optional.empty()), ran.outcome().map(CommandOutcome::timedOut).orElse(false),
                ran.failure(), ran.startedIndex(), ran.endedIndex());
    }

    /** A command logged and run: its id, its entries, and how it ended (an outcome, or why none came back). */
    private record Ran(String commandId, long startedIndex, long endedIndex, Optional<CommandOutcome> outcome,
            Optional<Payload.CommandCompleted> completed, Optional<String> failure) {}

    /**
     * Logs the start (durable before anything is sent), runs the command over the CVM's session and
     * logs how it ended; a command that cannot be sent ({@code command} empty) or whose outcome never
     * came back is logged as failed, never as completed. The caller holds the CVM's lock.
     */
    private Ran runLogged(CvmRow row, String actor, List<String> argv, Duration timeout, String rule,
            Optional<RemoteCommand> command) {
        String id = row.id();
        String commandId = "cmd-" + HexFormat.of().formatHex(random(8));
        Payload started = new Payload.CommandStarted(commandId, argv, timeout, Optional.of(rule));
        LogEntry startEntry = store.write(tx -> transitions.append(tx, id, actor, started));
        String failure;
        try {
            if (command.isPresent()) {
                CommandOutcome outcome = pool.session(row).run(command.get());
                Payload.CommandCompleted completed = new Payload.CommandCompleted(commandId, outcome.exitStatus(), outcome.exitSignal(),
                        outcome.timedOut(), output(outcome.stdout()), output(outcome.stderr()));
                LogEntry doneEntry = store.write(tx -> transitions.append(tx, id, "controller", completed));
                return new Ran(commandId, startEntry.seq(), doneEntry.seq(), Optional.of(outcome), Optional.of(completed), Optional.empty());
            }
            failure = "the argv cannot be sent as one SSH command line";
        } catch (SshFailure e) {
            pool.close(id);
            failure = e.getMessage();
        }
        Payload failed = new Payload.CommandFailed(commandId, failure);
        LogEntry failedEntry = store.write(tx -> transitions.append(tx, id, "controller", failed));
        return new Ran(commandId, startEntry.seq(), failedEntry.seq(), Optional.empty(), Optional.empty(), Optional.of(failure));
    }

    /**
     * The timeout (60 s if absent) as a duration; its range is judged with the argv. Only a whole
     * number of milliseconds is taken, so the {@code timeout_ms} the log records is exactly the
     * signed value, never a rounding of it.
     */
    private static Duration timeout(Optional<BigDecimal> timeoutSeconds) throws ControllerException {
        BigDecimal seconds = timeoutSeconds.orElse(DEFAULT_TIMEOUT_SECONDS);
        if (seconds.abs().compareTo(MAX_SECONDS) > 0) {
            throw invalid("timeout_seconds is out of range");
        }
        BigDecimal millis = seconds.movePointRight(3).stripTrailingZeros();
        if (millis.scale() > 0) {
            throw invalid("timeout_seconds must be a whole number of milliseconds (at most three decimal places),"
                    + " so that the log records exactly what was signed");
        }
        return Duration.ofMillis(millis.longValueExact());
    }

    private static Payload.Output output(CapturedOutput output) {
        return new Payload.Output(Base64.getEncoder().encodeToString(output.bytes()), output.sha256(), output.totalBytes(), output.truncated());
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
