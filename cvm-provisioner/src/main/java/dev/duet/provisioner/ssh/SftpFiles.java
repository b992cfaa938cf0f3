package dev.duet.provisioner.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHFsyncExtension;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * Files written and read over SFTP on an authenticated session (issue 12). A write never leaves a
 * half-written file at its path: the bytes go to a temporary file in the same directory, created
 * exclusively and readable by its owner only, which is synced and then renamed onto the path. A
 * read is bounded and hashed while it reads. Neither goes through a symbolic link: the caller's
 * policy judged the path as written, not wherever a link leads.
 */
final class SftpFiles {
    /** What a write names its temporary file with, before a random part: hidden, and recognisable as duet's. */
    static final String TEMP_PREFIX = ".duet-upload-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CHUNK = 32 * 1024;
    private static final int OWNER_ONLY = 0600;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final ClientSession session;
    private final SshEndpoint endpoint;

    SftpFiles(ClientSession session, SshEndpoint endpoint) {
        this.session = session;
        this.endpoint = endpoint;
    }

    /**
     * Writes everything {@code content} holds at {@code path} with {@code permissions}, atomically:
     * the path holds either its old content (or nothing) or all of the new, never part of it. The
     * temporary file is made owner-only before the first byte is written, and gets
     * {@code permissions} only once complete; {@code fsync@openssh.com} makes it durable before the
     * rename where the server offers it, and {@code posix-rename@openssh.com} replaces an existing
     * file in one step (plain SFTP rename refuses an existing target). On any failure the temporary
     * file is removed; if that is impossible too (the session died), the failure names it.
     */
    void write(String path, int permissions, InputStream content) throws FileTransferFailure {
        String temp = tempName(path);
        try (Channel channel = open()) {
            SftpClient sftp = channel.sftp();
            boolean created = false;
            try {
                refuseLinkedDirectory(sftp, path);
                try (SftpClient.CloseableHandle handle = sftp.open(temp, EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                        SftpClient.OpenMode.Exclusive))) {
                    created = true;
                    sftp.setStat(handle, new SftpClient.Attributes().perms(OWNER_ONLY));
                    copy(content, sftp, handle);
                    OpenSSHFsyncExtension fsync = sftp.getExtension(OpenSSHFsyncExtension.class);
                    if (fsync.isSupported()) {
                        fsync.fsync(handle);
                    }
                    sftp.setStat(handle, new SftpClient.Attributes().perms(permissions));
                }
                OpenSSHPosixRenameExtension posix = sftp.getExtension(OpenSSHPosixRenameExtension.class);
                if (posix.isSupported()) {
                    posix.posixRename(temp, path);
                } else {
                    sftp.rename(temp, path);
                }
            } catch (FileTransferFailure e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                Optional<String> leftover = created && !removed(sftp, temp) ? Optional.of(temp) : Optional.empty();
                throw failure("writing " + path, e, leftover);
            }
        }
    }

    /**
     * Reads the regular file at {@code path} if it holds at most {@code limit} bytes. Neither the
     * path nor a directory on the way may be a symbolic link.
     */
    RemoteFile read(String path, int limit) throws FileTransferFailure {
        try (Channel channel = open()) {
            SftpClient sftp = channel.sftp();
            refuseLinkedDirectory(sftp, path);
            SftpClient.Attributes attributes = sftp.lstat(path);
            if (!attributes.isRegularFile()) {
                throw new FileTransferFailure(FileTransferFailure.Kind.NOT_A_FILE, path + " on " + endpoint + " is not a regular file");
            }
            if (attributes.getSize() > limit) {
                throw tooLarge(path, attributes.getSize(), limit);
            }
            MessageDigest digest = sha256();
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) attributes.getSize());
            try (SftpClient.CloseableHandle handle = sftp.open(path, EnumSet.of(SftpClient.OpenMode.Read))) {
                byte[] buffer = new byte[CHUNK];
                long offset = 0;
                int n;
                while ((n = sftp.read(handle, offset, buffer, 0, buffer.length)) > 0) {
                    offset += n;
                    if (offset > limit) {
                        // The file grew since it was measured.
                        throw tooLarge(path, offset, limit);
                    }
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
            return new RemoteFile(out.toByteArray(), HexFormat.of().formatHex(digest.digest()));
        } catch (FileTransferFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw failure("reading " + path, e, Optional.empty());
        }
    }

    /**
     * Refuses a path whose directory the server resolves to another one: a symbolic link on the way
     * would take the transfer where the policy never looked (an owner allowed to run {@code ln -s /etc
     * /srv/app/etc} and to write under {@code /srv/app} would otherwise write {@code /etc}). The
     * directory is resolved by the server ({@code SSH_FXP_REALPATH}, which follows links), once, just
     * before the transfer; the owner's own commands cannot run in between (the caller holds the CVM's
     * lock), but a process on the machine could still swap a directory for a link in that moment.
     */
    private void refuseLinkedDirectory(SftpClient sftp, String path) throws IOException {
        int slash = path.lastIndexOf('/');
        String directory = slash <= 0 ? "/" : path.substring(0, slash);
        if (!sftp.canonicalPath(directory).equals(directory)) {
            throw new FileTransferFailure(FileTransferFailure.Kind.THROUGH_LINK, path + " on " + endpoint + " is reached through a "
                    + "symbolic link (a directory on the way is one): the policy judged the path as written, so nothing was transferred");
        }
    }

    /** Removes a temporary file a failed write left behind, e.g. over a new session after the old one died. */
    void removeLeftover(String temp) throws FileTransferFailure {
        if (!temp.substring(temp.lastIndexOf('/') + 1).startsWith(TEMP_PREFIX)) {
            throw new IllegalArgumentException(temp + " is not a temporary file of a write");
        }
        try (Channel channel = open()) {
            channel.sftp().remove(temp);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SftpException sftp && sftp.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
                return;
            }
            throw failure("removing " + temp, e, Optional.of(temp));
        }
    }

    private Channel open() throws FileTransferFailure {
        try {
            return new Channel(SftpClientFactory.instance().createSftpClient(session));
        } catch (IOException | RuntimeException e) {
            throw new FileTransferFailure(FileTransferFailure.Kind.NO_SFTP, "no SFTP subsystem on " + endpoint + ": "
                    + SshConnector.rootCause(e));
        }
    }

    /**
     * An SFTP channel, closed only once the server has closed its end: dropbear (the QEMU guest's
     * server) may otherwise lose the exit status of the session's next command while it still tears
     * down the subsystem.
     */
    private record Channel(SftpClient sftp) implements AutoCloseable {
        @Override
        public void close() {
            ClientChannel channel = sftp.getClientChannel();
            try {
                sftp.close();
            } catch (IOException ignored) {
                // The transfer's outcome is known by now; a channel that cannot close cleanly leaves nothing to undo.
            }
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), CLOSE_WAIT);
        }
    }

    private static void copy(InputStream content, SftpClient sftp, SftpClient.Handle handle) throws IOException {
        byte[] buffer = new byte[CHUNK];
        long offset = 0;
        int n;
        while ((n = content.readNBytes(buffer, 0, buffer.length)) > 0) {
            sftp.write(handle, offset, buffer, 0, n);
            offset += n;
        }
    }

    private static boolean removed(SftpClient sftp, String temp) {
        try {
            sftp.remove(temp);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A name in the same directory (so the rename stays on one file system) that no other write uses. */
    static String tempName(String path) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        int slash = path.lastIndexOf('/');
        return path.substring(0, slash + 1) + TEMP_PREFIX + HexFormat.of().formatHex(random);
    }

    private FileTransferFailure failure(String what, Exception e, Optional<String> leftover) {
        if (e instanceof SftpException refused) {
            return new FileTransferFailure(FileTransferFailure.Kind.REFUSED, what + " on " + endpoint + ": the SFTP server refused: "
                    + describe(refused), leftover);
        }
        return new FileTransferFailure(FileTransferFailure.Kind.BROKEN, what + " on " + endpoint + " failed: "
                + SshConnector.rootCause(e), leftover);
    }

    /** The server's status in words; its own message (OpenSSH's "No such file") when it sent one. */
    private static String describe(SftpException e) {
        String message = e.getMessage();
        String status = SftpConstants.getStatusName(e.getStatus());
        return message == null || message.isBlank() ? status : message + " (" + status + ")";
    }

    private FileTransferFailure tooLarge(String path, long size, long limit) {
        return new FileTransferFailure(FileTransferFailure.Kind.TOO_LARGE, path + " on " + endpoint + " holds " + size
                + " bytes; at most " + limit + " are read");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
