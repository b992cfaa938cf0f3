package dev.duet.controller;

import java.util.Optional;

/** An owner request as received: what the signature covers, and the signature headers. */
public final class OwnerRequest {
    private final String method;
    private final String path;
    private final String rawQuery;
    private final byte[] body;
    private final Optional<String> contentDigest;
    private final Optional<String> signatureInput;
    private final Optional<String> signature;

    public OwnerRequest(String method, String path, String rawQuery, byte[] body,
            Optional<String> contentDigest, Optional<String> signatureInput, Optional<String> signature) {
        this.method = method;
        this.path = path;
        this.rawQuery = rawQuery;
        this.body = body.clone();
        this.contentDigest = contentDigest;
        this.signatureInput = signatureInput;
        this.signature = signature;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String rawQuery() {
        return rawQuery;
    }

    public byte[] body() {
        return body.clone();
    }

    Optional<String> contentDigest() {
        return contentDigest;
    }

    Optional<String> signatureInput() {
        return signatureInput;
    }

    Optional<String> signature() {
        return signature;
    }
}
