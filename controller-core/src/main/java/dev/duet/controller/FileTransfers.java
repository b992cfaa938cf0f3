package dev.duet.controller;

import static dev.duet.controller.ControllerException.invalid;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
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
    private final PolicyService policies;

    FileTransfers(SqliteStore store, Transitions transitions, SessionPool pool, PolicyService policies) {
        this.store = store;
        this.transitions = transitions;
        this.pool = pool;
        this.policies = policies;
    }

    /**
     * Writes the owner's file ({@link SshConnection#writeFile}: atomically, so a failed write leaves
     * the path as it was). A write that fails after it was logged as started is logged as failed,
     * with whether its temporary file could be removed, and answered as the CVM's failure when its
     * session failed, else as a conflict (the machine refused this write, or it would go through a link).
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
        byte[] content = content(request.contentBase64() == null ? "" : request.contentBase64());
        String sha256 = Sha256Hash.of(content).hex();
        ReentrantLock lock = pool.lockOf(id);
        lock.lock();
        try {
            CvmRow row = transitions.row(id);
            PolicyService.Allowed allowed = policies.allow(owner, line, row, new Action.Write(path, content.length),
                    new PolicyService.Asked.File("writing", path));
            PolicyInForce policy = allowed.policy();
            Decision decision = allowed.decision();
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
                if (e instanceof FileTransferFailure f && !f.sessionBroken()) {
                    throw new ControllerException(Kind.CONFLICT, "the file cannot be written: " + reason, Optional.of(id));
                }
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
            PolicyService.Allowed allowed = policies.allow(owner, line, row, new Action.Read(path), new PolicyService.Asked.File("reading", path));
            PolicyInForce policy = allowed.policy();
            Decision decision = allowed.decision();
            int limit = (int) Math.min(policy.policy().maxUploadBytes(), READ_CAP);
            RemoteFile file;
            try {
                file = pool.session(row).readFile(path.value(), limit);
            } catch (SshFailure | FileTransferFailure e) {
                if (e instanceof FileTransferFailure f && !f.sessionBroken()) {
                    throw new ControllerException(Kind.CONFLICT, "the file cannot be read: " + e.getMessage(), Optional.of(id));
                }
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
     * Why a started write failed, for its log entry. A session that failed is closed; a temporary
     * file it could not remove is removed over a new session, and the reason says whether that worked.
     */
    private String failed(CvmRow row, Exception e) {
        boolean broken = e instanceof SshFailure || e instanceof FileTransferFailure f && f.sessionBroken();
        if (broken) {
            pool.close(row.id());
        }
        if (e instanceof FileTransferFailure f && f.leftover().isPresent()) {
            try {
                pool.session(row).removeLeftover(f.leftover().get());
                return e.getMessage() + "; the temporary file was removed over a new session";
            } catch (SshFailure | FileTransferFailure again) {
                pool.close(row.id());
                return e.getMessage() + "; the temporary file " + f.leftover().get() + " could not be removed over a new session either ("
                        + again.getMessage() + ") and is left on the machine";
            }
        }
        return e.getMessage();
    }

    /**
     * The content in canonical base64 only (padded, no line breaks, unused bits zero): the signed body
     * has one spelling per content, as the logged content does. The JDK's own reasons are not passed
     * on: they are its words, and they would be logged for good.
     */
    private static byte[] content(String base64) throws ControllerException {
        byte[] content;
        try {
            content = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            content = null;
        }
        if (content == null || !Base64.getEncoder().encodeToString(content).equals(base64)) {
            throw invalid("content must be canonical base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, padded with =, no spaces or line "
                    + "breaks, unused bits zero)");
        }
        return content;
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
}
