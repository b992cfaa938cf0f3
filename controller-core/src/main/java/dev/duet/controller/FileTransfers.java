package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.shield.Action;
import dev.duet.protocol.shield.Decision;
import dev.duet.protocol.shield.RemotePath;
import dev.duet.provisioner.ssh.FileTransferFailure;
import dev.duet.provisioner.ssh.RemoteFile;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshFailure;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * An owner's files (issue 12, item 2): written to and read from a CVM over SFTP on its session, each
 * as the CVM's policy in force decides, under the CVM's lock like a command. A write is logged
 * (durable) with its path, mode, size, SHA-256, the rule that allowed it and, below the policy's
 * {@code log_content_below_bytes}, its content, before any byte is sent; then its outcome. A read is
 * logged with its size and SHA-256 before the owner gets the content. A refusal is logged with the
 * path and the rule that refused it.
 */
final class FileTransfers {
    /**
     * The most a read returns, whatever the policy's {@code max_upload_bytes} (which bounds reads
     * too): the content is held in memory and sent in base64.
     */
    static final int READ_CAP = 16 << 20;
    private static final String DEFAULT_MODE = "0644";
    private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SqliteStore store;
    private final Transitions transitions;
    private final SessionPool pool;
    private final OwnerGate gate;
    private final Policies policies;

    FileTransfers(SqliteStore store, Transitions transitions, SessionPool pool, OwnerGate gate, Policies policies) {
        this.store = store;
        this.transitions = transitions;
        this.pool = pool;
        this.gate = gate;
        this.policies = policies;
    }

    /**
     * Writes the owner's file ({@link SshConnection#writeFile}: atomically, so a failed write leaves
     * the path as it was). A write that fails after it was logged as started is logged as failed,
     * with whether its temporary file could be removed, and answered as the CVM's failure.
     */
    FileWritten write(OwnerId owner, OwnerRequest.Line line, String id, FileWriteRequest request) throws ControllerException {
        RemotePath path = path(request.path());
        String mode = request.mode().orElse(DEFAULT_MODE);
        if (!MODE.matcher(mode).matches()) {
            throw invalid("mode must be octal permission bits from 000 to 777, such as \"0644\" (set-user-ID, set-group-ID and sticky "
                    + "bits are not written)");
        }
        int permissions = Integer.parseInt(mode, 8);
        String permissionsText = String.format("%04o", permissions);
        byte[] content;
        try {
            content = Base64.getDecoder().decode(request.contentBase64() == null ? "" : request.contentBase64());
        } catch (IllegalArgumentException e) {
            throw invalid("content must be base64 (RFC 4648 section 4): " + e.getMessage());
        }
        String sha256 = HexFormat.of().formatHex(sha256().digest(content));
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            PolicyInForce policy = store.read(h -> policies.inForce(h, id));
            Decision decision = decide(owner, line, row, policy, new Action.Write(path, content.length), path);
            String transferId = transferId();
            Optional<String> logged = content.length < policy.policy().logContentBelowBytes()
                    ? Optional.of(Base64.getEncoder().encodeToString(content)) : Optional.empty();
            Payload started = new Payload.FileWriteStarted(transferId, path.value(), permissionsText, content.length, sha256, logged,
                    decision.rule());
            LogEntry startEntry = store.write(tx -> transitions.append(tx, id, owner.actor(), started));
            try {
                pool.session(row).writeFile(path.value(), permissions, new ByteArrayInputStream(content));
            } catch (SshFailure | FileTransferFailure e) {
                String reason = failed(row, e);
                store.write(tx -> transitions.append(tx, id, "controller", new Payload.FileWriteFailed(transferId, reason)));
                throw new ControllerException(Kind.TARGET_FAILED, "the file could not be written on " + id + ": " + reason, Optional.of(id));
            }
            LogEntry doneEntry = store.write(tx -> transitions.append(tx, id, "controller", new Payload.FileWriteCompleted(transferId)));
            return new FileWritten(transferId, path.value(), permissionsText, content.length, sha256, startEntry.seq(), doneEntry.seq());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads a regular file back for the owner, at most the policy's {@code max_upload_bytes} (and
     * {@link #READ_CAP}). A file that is missing, not regular or too large is refused (and that
     * refusal logged); a session that fails is the CVM's failure, and nothing was read.
     */
    FileContent read(OwnerId owner, OwnerRequest.Line line, String id, String requested) throws ControllerException {
        RemotePath path = path(requested);
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            PolicyInForce policy = store.read(h -> policies.inForce(h, id));
            Decision decision = decide(owner, line, row, policy, new Action.Read(path), path);
            int limit = (int) Math.min(policy.policy().maxUploadBytes(), READ_CAP);
            RemoteFile file;
            try {
                file = pool.session(row).readFile(path.value(), limit);
            } catch (FileTransferFailure e) {
                if (e.kind() == FileTransferFailure.Kind.BROKEN || e.kind() == FileTransferFailure.Kind.NO_SFTP) {
                    pool.close(id);
                    throw new ControllerException(Kind.TARGET_FAILED, "the file could not be read on " + id + ": " + e.getMessage(),
                            Optional.of(id));
                }
                throw new ControllerException(Kind.CONFLICT, "the file cannot be read: " + e.getMessage(), Optional.of(id));
            } catch (SshFailure e) {
                pool.close(id);
                throw new ControllerException(Kind.TARGET_FAILED, "the file could not be read on " + id + ": " + e.getMessage(), Optional.of(id));
            }
            String transferId = transferId();
            Payload read = new Payload.FileRead(transferId, path.value(), file.size(), file.sha256(), decision.rule());
            LogEntry entry = store.write(tx -> transitions.append(tx, id, owner.actor(), read));
            return new FileContent(transferId, path.value(), file.bytes(), file.sha256(), entry.seq());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The policy's decision on the action in the CVM's mode; a refusal is logged with the path and
     * the rule before it is thrown. What no rule allows in-service, or a CVM that is not running,
     * is refused as the mode's ({@code mode-forbids}); what a rule or the upload limit refuses, as
     * the policy's ({@code policy-denies}).
     */
    private Decision decide(OwnerId owner, OwnerRequest.Line line, CvmRow row, PolicyInForce policy, Action action, RemotePath path)
            throws ControllerException {
        Decision decision = policy.policy().decide(row.mode(), action);
        if (decision.allowed()) {
            return decision;
        }
        boolean byMode = decision.rule().equals(Decision.DEFAULT_IN_SERVICE) || decision.rule().equals(Decision.NOT_OPERATIONAL);
        String verb = action instanceof Action.Write ? "writing " : "reading ";
        ControllerException refusal = new ControllerException(byMode ? Kind.MODE_FORBIDS : Kind.POLICY_DENIES, "CVM " + row.id() + " is "
                + row.mode().wire() + ": " + verb + path + " is refused by " + decision.rule() + " (" + decision.reason() + ")",
                Optional.of(row.id()));
        gate.recordActionRefusal(row.id(), owner, line, Optional.empty(), Optional.of(path.value()), Optional.of(decision.rule()), refusal);
        throw refusal;
    }

    /**
     * Why a started write failed, for its log entry. A session that failed is closed; a temporary
     * file it could not remove is removed over a new session, and the reason says whether that worked.
     */
    private String failed(CvmRow row, Exception e) {
        boolean broken = e instanceof SshFailure || e instanceof FileTransferFailure f && f.kind() != FileTransferFailure.Kind.REFUSED;
        if (broken) {
            pool.close(row.id());
        }
        if (e instanceof FileTransferFailure f && f.leftover().isPresent()) {
            try {
                pool.session(row).removeLeftover(f.leftover().get());
                return "the temporary file was removed over a new session; " + e.getMessage();
            } catch (SshFailure | FileTransferFailure again) {
                pool.close(row.id());
                return "the temporary file could not be removed over a new session either (" + again.getMessage() + "); " + e.getMessage();
            }
        }
        return e.getMessage();
    }

    private static RemotePath path(String path) throws ControllerException {
        String problem = RemotePath.problem(path);
        if (problem != null) {
            throw invalid("path: " + problem);
        }
        return new RemotePath(path);
    }

    private static String transferId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "xfer-" + HexFormat.of().formatHex(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
