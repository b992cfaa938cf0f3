package dev.duet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Every file the CLI reads whole comes through here: only regular files (a FIFO or a device such as
 * {@code /dev/zero} would never end), and never more than a limit chosen per kind of input, so no
 * input can exhaust memory. Failures are one readable line with exit code 2.
 */
final class InputFiles {
    /** Keys, certificates, policies, single reports and quotes. */
    static final long SMALL = 1L << 20;
    /** Collateral and saved controller evidence. */
    static final long MEDIUM = 16L << 20;
    /** A saved signed state, which embeds a CVM's history. */
    static final long LARGE = 256L << 20;

    private InputFiles() {}

    /** Fails unless {@code file} is a regular file: for inputs that are streamed rather than read whole. */
    static void requireRegular(Path file, String what) throws CliFailure {
        if (!Files.exists(file)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": not a regular file"
                    + (Files.isDirectory(file) ? " (a directory)" : ""));
        }
    }

    /** The whole file, if it is a regular file of at most {@code limit} bytes. {@code what} names it in errors. */
    static byte[] read(Path file, long limit, String what) throws CliFailure {
        requireRegular(file, what);
        try (InputStream in = Files.newInputStream(file)) {
            if (Files.size(file) > limit) {
                throw tooLarge(file, limit, what);
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw tooLarge(file, limit, what);
            }
            return bytes;
        } catch (IOException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "cannot read " + what + " " + file + ": " + describe(e));
        }
    }

    /** The whole file as strict UTF-8 text. */
    static String readText(Path file, long limit, String what) throws CliFailure {
        byte[] bytes = read(file, limit, what);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, what + " " + file + " is not UTF-8 text");
        }
    }

    /**
     * What went wrong, for people: never a Java class name, never "null". The JDK's file exceptions
     * carry only the path as their message, and connection failures often carry nothing.
     */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "the file exists";
        }
        if (e instanceof FileSystemException fs) {
            return fs.getReason() != null ? fs.getReason() : "file system error";
        }
        if (e instanceof UnknownHostException || e.getCause() instanceof UnresolvedAddressException) {
            return "unknown host";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        Throwable cause = e.getCause();
        if (cause instanceof IOException inner && inner != e) {
            return describe(inner);
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "input/output error" : message;
    }

    private static CliFailure tooLarge(Path file, long limit, String what) {
        return new CliFailure(CliFailure.INPUT_ERROR, what + " " + file + " is larger than " + human(limit) + ", the most accepted for it");
    }

    private static String human(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
