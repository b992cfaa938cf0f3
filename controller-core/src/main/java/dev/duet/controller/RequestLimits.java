package dev.duet.controller;

import dev.duet.protocol.OwnerRequestSignature;
import java.time.Duration;

/**
 * What one client may cost the controller (docs/api.md, "Limits"). The controller enforces the body
 * and refusal limits itself; the HTTP server applies the connection limits.
 *
 * @param maxBodyBytes an owner request body larger than this is refused before it is read (413); it
 *     also bounds uploads, which arrive in base64: about 3/4 of it, whatever a policy's
 *     {@code max_upload_bytes} allows
 * @param bodyGrace and {@code minBodyBytesPerSecond}: a body of n bytes must arrive within
 *     {@code bodyGrace + n / minBodyBytesPerSecond}, or the request is refused (408); the answer to
 *     a heavy read must be taken by its client at the same pace, or its connection is closed
 * @param idleTimeout a connection on which nothing moves for this long is closed
 * @param headerTimeout a request's headers must be complete this long after the connection opened
 *     or the previous answer on it was sent, or the connection is closed; sending them slowly does
 *     not extend it
 * @param maxConnections connections open at once; beyond it the server stops accepting
 * @param maxConnectionsPerSource connections open at once from one source (an IPv4 address, an
 *     IPv6 /64); beyond it new ones from that source are closed at once, so one host cannot take
 *     every slot. Once more than half of {@code maxConnections} are open, each source's share
 *     shrinks with the slots left, down to 2, so that filling the server takes many sources
 * @param maxHeavyReads and {@code maxHeavyReadsPerSource}: reads whose cost grows with the log (a
 *     CVM's signed state, log entries, proofs, the CVM list) in progress at once, overall and per
 *     source, counted until all but the answer's last byte is sent; beyond them the answer is 503 or 429 at once
 * @param refusalsPerSource and {@code refusals}: token buckets for unauthenticated refusals, per
 *     source address and overall; past them the answer is 429 and nothing more is done
 * @param trackedSources the most source addresses whose buckets are remembered (least recently
 *     seen forgotten first), so the accounting's memory is bounded
 * @param refusalWindow unauthenticated refusals are appended to the log as at most one summary
 *     entry per window
 */
public record RequestLimits(
        int maxBodyBytes,
        Duration bodyGrace,
        int minBodyBytesPerSecond,
        Duration idleTimeout,
        Duration headerTimeout,
        int maxConnections,
        int maxConnectionsPerSource,
        int maxHeavyReads,
        int maxHeavyReadsPerSource,
        Rate refusalsPerSource,
        Rate refusals,
        int trackedSources,
        Duration refusalWindow) {

    /** A token bucket: {@code burst} tokens at most, refilled at {@code perSecond}. */
    public record Rate(double perSecond, int burst) {
        public Rate {
            if (!(perSecond > 0) || burst < 1) {
                throw new IllegalArgumentException("a rate needs a positive refill and a burst of at least 1");
            }
        }
    }

    public RequestLimits {
        if (maxBodyBytes < 0 || minBodyBytesPerSecond < 1 || maxConnections < 1 || maxConnectionsPerSource < 1
                || maxHeavyReads < 1 || maxHeavyReadsPerSource < 1 || trackedSources < 1 || bodyGrace.isNegative()
                || !positive(idleTimeout) || !positive(headerTimeout) || !positive(refusalWindow)) {
            throw new IllegalArgumentException("request limits must be positive");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    public static final int DEFAULT_MAX_BODY_BYTES = OwnerRequestSignature.DEFAULT_MAX_BODY_BYTES;

    public static RequestLimits defaults() {
        return new RequestLimits(DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(10), 16 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10),
                4096, 32, 8, 2, new Rate(1, 30), new Rate(100, 300), 4096, Duration.ofSeconds(60));
    }

    /** These limits with another pace for bodies and heavy answers. */
    public RequestLimits withBodyPace(Duration grace, int minBytesPerSecond) {
        return new RequestLimits(maxBodyBytes, grace, minBytesPerSecond, idleTimeout, headerTimeout, maxConnections,
                maxConnectionsPerSource, maxHeavyReads, maxHeavyReadsPerSource, refusalsPerSource, refusals, trackedSources, refusalWindow);
    }

    /** These limits with other connection timeouts. */
    public RequestLimits withTimeouts(Duration idle, Duration header) {
        return new RequestLimits(maxBodyBytes, bodyGrace, minBodyBytesPerSecond, idle, header, maxConnections,
                maxConnectionsPerSource, maxHeavyReads, maxHeavyReadsPerSource, refusalsPerSource, refusals, trackedSources, refusalWindow);
    }

    /** These limits with other connection counts. */
    public RequestLimits withConnections(int max, int perSource) {
        return new RequestLimits(maxBodyBytes, bodyGrace, minBodyBytesPerSecond, idleTimeout, headerTimeout, max, perSource,
                maxHeavyReads, maxHeavyReadsPerSource, refusalsPerSource, refusals, trackedSources, refusalWindow);
    }

    /** These limits with other heavy-read limits. */
    public RequestLimits withHeavyReads(int max, int perSource) {
        return new RequestLimits(maxBodyBytes, bodyGrace, minBodyBytesPerSecond, idleTimeout, headerTimeout, maxConnections,
                maxConnectionsPerSource, max, perSource, refusalsPerSource, refusals, trackedSources, refusalWindow);
    }

    /** These limits with other refusal rates and another bound on the sources remembered. */
    public RequestLimits withRefusals(Rate perSource, Rate overall, int sources) {
        return new RequestLimits(maxBodyBytes, bodyGrace, minBodyBytesPerSecond, idleTimeout, headerTimeout, maxConnections,
                maxConnectionsPerSource, maxHeavyReads, maxHeavyReadsPerSource, perSource, overall, sources, refusalWindow);
    }

    /** How long a body of {@code length} bytes may take to arrive, or an answer of that size to be taken. */
    public Duration bodyDeadline(long length) {
        return bodyGrace.plusMillis(length * 1000 / minBodyBytesPerSecond);
    }
}
