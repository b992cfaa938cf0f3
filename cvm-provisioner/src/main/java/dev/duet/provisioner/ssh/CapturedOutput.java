package dev.duet.provisioner.ssh;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One output stream of a command: the first {@code cap} bytes, and the length and SHA-256 of the
 * whole stream, so a truncated capture still commits to everything the program wrote.
 */
public final class CapturedOutput {
    private final byte[] captured;
    private final long totalBytes;
    private final String sha256;

    private CapturedOutput(byte[] captured, long totalBytes, String sha256) {
        this.captured = captured;
        this.totalBytes = totalBytes;
        this.sha256 = sha256;
    }

    public byte[] bytes() {
        return captured.clone();
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Lowercase hex SHA-256 of the whole stream, captured or not. */
    public String sha256() {
        return sha256;
    }

    public boolean truncated() {
        return totalBytes > captured.length;
    }

    /** An output stream that hashes everything and keeps at most {@code cap} bytes. */
    static final class Sink extends OutputStream {
        private final int cap;
        private final MessageDigest digest;
        private byte[] buffer = new byte[256];
        private int kept;
        private long total;

        Sink(int cap) {
            this.cap = cap;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            total += len;
            int keep = Math.min(len, cap - kept);
            if (keep > 0) {
                if (kept + keep > buffer.length) {
                    buffer = Arrays.copyOf(buffer, Math.min(cap, Math.max(kept + keep, buffer.length * 2)));
                }
                System.arraycopy(b, off, buffer, kept, keep);
                kept += keep;
            }
        }

        synchronized CapturedOutput finish() {
            return new CapturedOutput(Arrays.copyOf(buffer, kept), total, HexFormat.of().formatHex(digest.digest()));
        }
    }
}
