package dev.duet.controller;

import dev.duet.protocol.entry.Payload;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Refusals of owner requests whose sender was not authenticated. Anyone can cause them, so they are
 * counted rather than appended one by one: per window, one summary (how many, how many for each
 * reason, and the window's first refusal as a sample whose path and reason are cut to
 * {@value LoggedText#MAX_CHARS} characters). The summary is log-wide, never on a CVM's chain, so nobody can
 * grow a CVM's signed state from outside. Each source address and all sources together draw on token
 * buckets ({@link RequestLimits#refusalsPerSource()}, {@link RequestLimits#refusals()}); past either
 * the answer is 429 and the refusal is only counted. Memory is bounded: the counters, one sample, and
 * the buckets of at most {@link RequestLimits#trackedSources()} sources.
 */
final class UnauthenticatedRefusals {
    private final RequestLimits limits;
    private final Clock clock;
    private final Bucket overall;
    private final Map<String, Bucket> bySource;
    private Instant windowStart;
    private long count;
    private final Map<String, Long> byReason = new TreeMap<>();
    private Payload.RefusalSample sample;

    UnauthenticatedRefusals(RequestLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        Instant now = clock.instant();
        this.overall = new Bucket(limits.refusals(), now);
        this.windowStart = now;
        this.bySource = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > limits.trackedSources();
            }
        };
    }

    /** Counts the refusal and answers with it, or with a 429 if its source or everyone is over the rate. */
    synchronized ControllerException refused(OwnerRequest request, ControllerException refusal) {
        Instant now = clock.instant();
        Bucket source = bySource.computeIfAbsent(request.source(), s -> new Bucket(limits.refusalsPerSource(), now));
        Duration wait = max(source.waitFor(now), overall.waitFor(now));
        ControllerException answer;
        if (wait.isZero()) {
            source.take();
            overall.take();
            answer = refusal;
        } else {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            answer = ControllerException.rateLimited("too many refused requests from " + request.source() + "; retry in " + seconds + " s",
                    Duration.ofSeconds(seconds));
        }
        count++;
        byReason.merge(answer.kind().wire(), 1L, Long::sum);
        if (sample == null) {
            sample = sample(request, refusal);
        }
        return answer;
    }

    /** The summary of the window that ends now, if anything was refused in it; a new window starts. */
    synchronized Optional<Payload.UnauthenticatedRefusals> drain() {
        Instant now = clock.instant();
        Optional<Payload.UnauthenticatedRefusals> summary = Optional.empty();
        if (count > 0) {
            summary = Optional.of(new Payload.UnauthenticatedRefusals(windowStart, now, count, new TreeMap<>(byReason), sample));
        }
        windowStart = now;
        count = 0;
        byReason.clear();
        sample = null;
        return summary;
    }

    private static Payload.RefusalSample sample(OwnerRequest request, ControllerException refusal) {
        return new Payload.RefusalSample(LoggedText.cut(request.method()), LoggedText.cut(request.path()), request.path().length(),
                request.source(), OwnerAuthenticator.claimedKeyId(request), refusal.kind().wire(), LoggedText.cut(refusal.getMessage()));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A token bucket; {@link #waitFor} refills it for the time passed. */
    private static final class Bucket {
        private final RequestLimits.Rate rate;
        private double tokens;
        private Instant last;

        Bucket(RequestLimits.Rate rate, Instant now) {
            this.rate = rate;
            this.tokens = rate.burst();
            this.last = now;
        }

        Duration waitFor(Instant now) {
            if (now.isAfter(last)) {
                tokens = Math.min(rate.burst(), tokens + Duration.between(last, now).toNanos() / 1e9 * rate.perSecond());
                last = now;
            }
            return tokens >= 1 ? Duration.ZERO : Duration.ofNanos((long) Math.ceil((1 - tokens) / rate.perSecond() * 1e9));
        }

        void take() {
            tokens -= 1;
        }
    }
}
