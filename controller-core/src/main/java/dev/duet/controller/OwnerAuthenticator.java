package dev.duet.controller;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.InvalidSignatureException;
import dev.duet.protocol.MalformedSignatureException;
import dev.duet.protocol.OwnerRequestSignature;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Checks an owner request against duet's RFC 9421 profile ({@link OwnerRequestSignature}): a
 * registered key, a {@code created} time within the window, a Content-Digest equal to the body's, a
 * valid signature over method, path, query and digest, and a nonce never seen before for that key.
 * The nonce is stored durably before the request is acted on, so a restart does not reopen a replay.
 */
final class OwnerAuthenticator {
    private final SqliteStore store;
    private final Map<String, Ed25519PublicKey> owners;
    private final Clock clock;
    private final Duration window;

    OwnerAuthenticator(SqliteStore store, Map<String, Ed25519PublicKey> owners, Clock clock, Duration window) {
        this.store = store;
        this.owners = Map.copyOf(owners);
        this.clock = clock;
        this.window = window;
    }

    /** The claimed key id, for naming an unauthenticated actor in a refusal entry. */
    static String claimedKeyId(OwnerRequest request) {
        try {
            return OwnerRequestSignature.parse(request.signatureInput().orElse(null), request.signature().orElse(null)).keyId();
        } catch (MalformedSignatureException e) {
            return "none";
        }
    }

    OwnerId authenticate(OwnerRequest request) throws ControllerException {
        if (request.signatureInput().isEmpty() || request.signature().isEmpty()) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "owner request is not signed (Signature-Input and Signature headers required)");
        }
        OwnerRequestSignature.Claims claims;
        try {
            claims = OwnerRequestSignature.parse(request.signatureInput().get(), request.signature().get());
        } catch (MalformedSignatureException e) {
            throw new ControllerException(Kind.UNAUTHENTICATED, e.getMessage());
        }
        Ed25519PublicKey key = owners.get(claims.keyId());
        if (key == null) {
            throw new ControllerException(Kind.FORBIDDEN, "key " + claims.keyId() + " is not a registered owner key");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - claims.created()) > window.toSeconds()) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "signature created at " + claims.created()
                    + " is outside the accepted window of " + window.toSeconds() + " s around " + now);
        }
        byte[] body = request.body();
        if (!OwnerRequestSignature.digestMatches(request.contentDigest().orElse(null), body)) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "Content-Digest is missing or does not match the body");
        }
        byte[] base = OwnerRequestSignature.base(request.method(), request.path(), request.rawQuery(),
                request.contentDigest().get(), claims.signatureParams());
        try {
            key.verify(base, claims.signature());
        } catch (InvalidSignatureException e) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "invalid signature for " + request.method() + " " + request.path());
        }
        boolean fresh = store.write(h -> {
            h.createUpdate("DELETE FROM nonces WHERE created < ?").bind(0, now - 2 * window.toSeconds()).execute();
            return h.createUpdate("INSERT OR IGNORE INTO nonces(key_id, nonce, created) VALUES (?, ?, ?)")
                    .bind(0, claims.keyId()).bind(1, claims.nonce()).bind(2, claims.created()).execute() == 1;
        });
        if (!fresh) {
            throw new ControllerException(Kind.REPLAYED, "nonce " + claims.nonce() + " was already used: replay refused");
        }
        return new OwnerId(claims.keyId());
    }
}
