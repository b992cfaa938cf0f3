package dev.duet.controller;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.log.store.SqliteStore;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.InvalidSignatureException;
import dev.duet.protocol.MalformedSignatureException;
import dev.duet.protocol.OwnerRequestSignature;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Admits an owner request under duet's RFC 9421 profile ({@link OwnerRequestSignature}), judging
 * everything it can before the body is read, so an anonymous client cannot make the controller wait
 * for a body: the framing (Content-Type, a Content-Length within the limit), exactly one line of each
 * signature header, a registered key, a {@code created} time within the window, a valid signature
 * over method, path, query and the Content-Digest header, and a nonce not yet used. Only then is the
 * body read, within its deadline; it must match the digest, and the nonce is stored durably before
 * the request is acted on, so a restart does not reopen a replay. While the body is awaited the
 * nonce is reserved in memory: another copy of the same request is a replay at once, without its
 * body being read, so one captured request keeps at most one connection waiting for a body that
 * will never come, not hundreds. A request refused on the way leaves its nonce unused (the
 * reservation ends with it).
 */
final class OwnerAuthenticator {
    private static final Pattern JSON_MEDIA_TYPE = Pattern.compile("application/json[ \\t]*(;[ \\t]*charset=utf-8[ \\t]*)?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,18}");

    private final SqliteStore store;
    private final OwnerSet owners;
    private final String controllerKeyId;
    private final Clock clock;
    private final Duration window;
    private final RequestLimits limits;
    private final Set<Reservation> inFlight = ConcurrentHashMap.newKeySet();

    /** An authenticated owner and the body it signed. */
    record Admitted(OwnerId owner, byte[] body) {}

    /** A nonce whose request is being admitted: its body read, its nonce not yet stored. */
    private record Reservation(String keyId, String nonce) {}

    /** Headers that passed every check; what remains is the body. */
    private record Signed(String keyId, String nonce, long created, String contentDigest) {}

    OwnerAuthenticator(SqliteStore store, OwnerSet owners, String controllerKeyId, Clock clock, Duration window, RequestLimits limits) {
        this.store = store;
        this.owners = owners;
        this.controllerKeyId = controllerKeyId;
        this.clock = clock;
        this.window = window;
        this.limits = limits;
    }

    /** The claimed key id, for naming an unauthenticated sender in a refusal summary. */
    static String claimedKeyId(OwnerRequest request) {
        List<String> input = request.header(OwnerRequestSignature.SIGNATURE_INPUT);
        List<String> signature = request.header(OwnerRequestSignature.SIGNATURE);
        if (input.size() != 1 || signature.size() != 1) {
            return "none";
        }
        try {
            return OwnerRequestSignature.parse(input.get(0), signature.get(0)).keyId();
        } catch (MalformedSignatureException e) {
            return "none";
        }
    }

    Admitted admit(OwnerRequest request, BodySource source) throws ControllerException {
        int length = framing(request);
        Signed signed = signedHeaders(request);
        Reservation reservation = new Reservation(signed.keyId(), signed.nonce());
        if (!inFlight.add(reservation)) {
            throw replayed(signed.nonce());
        }
        try {
            byte[] body = length == 0 ? new byte[0] : read(source, length);
            if (!OwnerRequestSignature.digestMatches(signed.contentDigest(), body)) {
                throw new ControllerException(Kind.UNAUTHENTICATED, "Content-Digest does not match the body");
            }
            long now = clock.instant().getEpochSecond();
            boolean fresh = store.write(tx -> {
                tx.handle().createUpdate("DELETE FROM nonces WHERE created < ?").bind(0, now - 2 * window.toSeconds()).execute();
                return tx.handle().createUpdate("INSERT OR IGNORE INTO nonces(key_id, nonce, created) VALUES (?, ?, ?)")
                        .bind(0, signed.keyId()).bind(1, signed.nonce()).bind(2, signed.created()).execute() == 1;
            });
            if (!fresh) {
                throw replayed(signed.nonce());
            }
            return new Admitted(new OwnerId(signed.keyId()), body);
        } finally {
            inFlight.remove(reservation);
        }
    }

    /** The body's length, from headers that are judged before any byte of it is read. */
    private int framing(OwnerRequest request) throws ControllerException {
        List<String> transfer = request.header("Transfer-Encoding");
        List<String> length = request.header("Content-Length");
        if (request.body() == OwnerRequest.Body.NONE) {
            if (!transfer.isEmpty() || length.stream().anyMatch(v -> !v.trim().equals("0"))) {
                throw new ControllerException(Kind.INVALID_REQUEST, request.method() + " takes no body");
            }
            return 0;
        }
        List<String> type = request.header("Content-Type");
        if (type.size() != 1 || !JSON_MEDIA_TYPE.matcher(type.get(0).trim()).matches()) {
            throw new ControllerException(Kind.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json, not "
                    + (type.isEmpty() ? "absent" : String.join(", ", type)));
        }
        if (!request.header("Content-Encoding").isEmpty()) {
            throw new ControllerException(Kind.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding is not accepted: the body is signed, read"
                    + " and logged as sent, so it must be sent as is");
        }
        if (!transfer.isEmpty()) {
            throw new ControllerException(Kind.LENGTH_REQUIRED, "an owner request body needs a Content-Length (chunked bodies are not accepted)");
        }
        if (length.isEmpty()) {
            return 0;
        }
        if (length.size() != 1 || !DECIMAL.matcher(length.get(0).trim()).matches()) {
            throw new ControllerException(Kind.INVALID_REQUEST, "Content-Length must be one decimal number");
        }
        long announced = Long.parseLong(length.get(0).trim());
        if (announced > limits.maxBodyBytes()) {
            throw new ControllerException(Kind.BODY_TOO_LARGE, "request bodies are limited to " + limits.maxBodyBytes()
                    + " bytes; this one announces " + announced);
        }
        return (int) announced;
    }

    private Signed signedHeaders(OwnerRequest request) throws ControllerException {
        List<String> input = request.header(OwnerRequestSignature.SIGNATURE_INPUT);
        List<String> signature = request.header(OwnerRequestSignature.SIGNATURE);
        if (input.isEmpty() || signature.isEmpty()) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "owner request is not signed (Signature-Input and Signature headers required)");
        }
        String contentDigest = single(request, OwnerRequestSignature.CONTENT_DIGEST);
        OwnerRequestSignature.Claims claims;
        try {
            claims = OwnerRequestSignature.parse(single(request, OwnerRequestSignature.SIGNATURE_INPUT),
                    single(request, OwnerRequestSignature.SIGNATURE));
        } catch (MalformedSignatureException e) {
            throw new ControllerException(Kind.UNAUTHENTICATED, e.getMessage());
        }
        if (!claims.controllerKeyId().equals(controllerKeyId)) {
            // Nonces are this controller's own: a request signed for another one would otherwise be accepted here too.
            throw new ControllerException(Kind.UNAUTHENTICATED, "the request is signed for controller " + claims.controllerKeyId()
                    + ", not this one (" + controllerKeyId + ")");
        }
        Ed25519PublicKey key = owners.key(claims.keyId()).orElse(null);
        if (key == null) {
            throw new ControllerException(Kind.FORBIDDEN, "key " + claims.keyId() + " is not a registered owner key");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - claims.created()) > window.toSeconds()) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "signature created at " + claims.created()
                    + " is outside the accepted window of " + window.toSeconds() + " s around " + now);
        }
        byte[] base = OwnerRequestSignature.base(request.method(), request.path(), request.rawQuery(), contentDigest, claims.signatureParams());
        try {
            key.verify(base, claims.signature());
        } catch (InvalidSignatureException e) {
            throw new ControllerException(Kind.UNAUTHENTICATED, "invalid signature for this method, path, query and Content-Digest");
        }
        boolean used = store.read(h -> h.createQuery("SELECT COUNT(*) FROM nonces WHERE key_id = ? AND nonce = ?")
                .bind(0, claims.keyId()).bind(1, claims.nonce()).mapTo(Integer.class).one() > 0);
        if (used) {
            throw replayed(claims.nonce());
        }
        return new Signed(claims.keyId(), claims.nonce(), claims.created(), contentDigest);
    }

    /** The one line of a header the signature profile needs exactly once; two lines could be read two ways. */
    private static String single(OwnerRequest request, String name) throws ControllerException {
        List<String> lines = request.header(name);
        if (lines.size() != 1) {
            throw new ControllerException(Kind.UNAUTHENTICATED, lines.isEmpty() ? name + " header is missing"
                    : "the request carries " + lines.size() + " " + name + " header lines; exactly one is allowed");
        }
        return lines.get(0);
    }

    private byte[] read(BodySource source, int length) throws ControllerException {
        Duration deadline = limits.bodyDeadline(length);
        try {
            byte[] body = source.read(length, deadline);
            if (body.length != length) {
                throw new ControllerException(Kind.CLIENT_ABORTED, "the body ended after " + body.length + " of " + length + " bytes");
            }
            return body;
        } catch (TimeoutException e) {
            throw new ControllerException(Kind.BODY_TIMEOUT, "the body (" + length + " bytes) did not arrive: "
                    + (e.getMessage() == null ? "it was not complete within " + deadline.toMillis() + " ms" : e.getMessage()));
        } catch (IOException e) {
            throw new ControllerException(Kind.CLIENT_ABORTED, "the client stopped sending its body (" + length + " bytes announced)");
        }
    }

    private static ControllerException replayed(String nonce) {
        return new ControllerException(Kind.REPLAYED, "nonce " + nonce + " was already used: replay refused");
    }
}
