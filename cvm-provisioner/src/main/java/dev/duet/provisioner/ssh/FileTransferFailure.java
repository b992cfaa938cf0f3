package dev.duet.provisioner.ssh;

import java.io.IOException;
import java.util.Optional;

/**
 * A file could not be written or read over SFTP. The kind tells the owner's mistake (the server
 * refused: no such directory, permission denied; not a regular file; too large) from an outage (no
 * SFTP server, the session died). A failed write names the temporary file it could not remove, if
 * any, so the caller can remove it over a fresh session.
 */
public final class FileTransferFailure extends IOException {
    public enum Kind {
        /** The machine serves no SFTP subsystem, or the session could not open one. */
        NO_SFTP,
        /** The SFTP server answered the request with an error status. */
        REFUSED,
        /** The path names a directory, a symbolic link or another non-regular file. */
        NOT_A_FILE,
        /** A directory on the way to the path is a symbolic link, so the transfer would land elsewhere than the path. */
        THROUGH_LINK,
        /** The file is larger than the caller's limit. */
        TOO_LARGE,
        /** The channel or the session failed midway, or the content could not be read. */
        BROKEN
    }

    private final Kind kind;
    private final Optional<String> leftover;

    FileTransferFailure(Kind kind, String message, Optional<String> leftover) {
        super(message);
        this.kind = kind;
        this.leftover = leftover;
    }

    FileTransferFailure(Kind kind, String message) {
        this(kind, message, Optional.empty());
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the session failed (no SFTP, or it broke midway), rather than the machine refusing this one transfer. */
    public boolean sessionBroken() {
        return kind == Kind.NO_SFTP || kind == Kind.BROKEN;
    }

    /** The temporary file a failed write left on the machine because it could not remove it; empty when none is left. */
    public Optional<String> leftover() {
        return leftover;
    }
}
