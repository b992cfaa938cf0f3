package dev.duet.provisioner.ssh;

/** A file read from a machine: its bytes and their SHA-256 (lower-case hex), computed while reading. */
public final class RemoteFile {
    private final byte[] bytes;
    private final String sha256;

    RemoteFile(byte[] bytes, String sha256) {
        this.bytes = bytes;
        this.sha256 = sha256;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public long size() {
        return bytes.length;
    }

    public String sha256() {
        return sha256;
    }
}
