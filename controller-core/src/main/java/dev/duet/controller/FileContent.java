package dev.duet.controller;

/** A file read from a CVM for an owner: its transfer id, path, content and SHA-256, and the entry that logged the read. */
public final class FileContent {
    private final String transferId;
    private final String path;
    private final byte[] content;
    private final String sha256;
    private final long logIndex;

    FileContent(String transferId, String path, byte[] content, String sha256, long logIndex) {
        this.transferId = transferId;
        this.path = path;
        this.content = content;
        this.sha256 = sha256;
        this.logIndex = logIndex;
    }

    public String transferId() {
        return transferId;
    }

    public String path() {
        return path;
    }

    public byte[] content() {
        return content.clone();
    }

    public long bytes() {
        return content.length;
    }

    public String sha256() {
        return sha256;
    }

    public long logIndex() {
        return logIndex;
    }
}
