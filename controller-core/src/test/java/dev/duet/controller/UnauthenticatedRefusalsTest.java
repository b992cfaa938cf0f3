package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.duet.log.EntryCodec;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import dev.duet.controller.ControllerException.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The accounting of anonymous refusals: token buckets per source and overall, bounded memory, one summary per window. */
class UnauthenticatedRefusalsTest {
    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final TestClock clock = new TestClock();

    static RequestLimits limits(RequestLimits.Rate perSource, RequestLimits.Rate overall, int trackedSources) {
        return RequestLimits.defaults().withRefusals(perSource, overall, trackedSources);
    }

    static OwnerRequest from(String source, String path) {
        return new OwnerRequest("PUT", path, null, source, Map.of("Signature", List.of("x")), OwnerRequest.Body.JSON, Optional.empty());
    }

    static ControllerException unsigned() {
        return new ControllerException(Kind.UNAUTHENTICATED, "owner request is not signed");
    }

    @Test
    void aSourcePastItsBurstIsAnswered429UntilItsBucketRefills() {
        UnauthenticatedRefusals refusals = new UnauthenticatedRefusals(limits(new RequestLimits.Rate(1, 3), new RequestLimits.Rate(1000, 1000), 16), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(refusals.refused(from("10.0.0.1", "/v1/cvms"), unsigned()).kind()).isEqualTo(Kind.UNAUTHENTICATED);
        }
        ControllerException limited = refusals.refused(from("10.0.0.1", "/v1/cvms"), unsigned());
        assertThat(limited.kind()).isEqualTo(Kind.RATE_LIMITED);
        assertThat(limited.retryAfter()).hasValue(Duration.ofSeconds(1));
        assertThat(refusals.refused(from("10.0.0.2", "/v1/cvms"), unsigned()).kind()).as("another source").isEqualTo(Kind.UNAUTHENTICATED);
        clock.advance(Duration.ofMillis(1000));
        assertThat(refusals.refused(from("10.0.0.1", "/v1/cvms"), unsigned()).kind()).isEqualTo(Kind.UNAUTHENTICATED);
        assertThat(refusals.refused(from("10.0.0.1", "/v1/cvms"), unsigned()).kind()).isEqualTo(Kind.RATE_LIMITED);
    }

    @Test
    void allSourcesTogetherDrawOnTheOverallBucket() {
        UnauthenticatedRefusals refusals = new UnauthenticatedRefusals(limits(new RequestLimits.Rate(1000, 1000), new RequestLimits.Rate(1, 5), 16), clock);
        for (int i = 0; i < 5; i++) {
            assertThat(refusals.refused(from("10.0.1." + i, "/v1/cvms"), unsigned()).kind()).isEqualTo(Kind.UNAUTHENTICATED);
        }
        assertThat(refusals.refused(from("10.0.2.1", "/v1/cvms"), unsigned()).kind()).isEqualTo(Kind.RATE_LIMITED);
    }

    @Test
    void onlyTheMostRecentSourcesAreRemembered() {
        UnauthenticatedRefusals refusals = new UnauthenticatedRefusals(limits(new RequestLimits.Rate(0.001, 1), new RequestLimits.Rate(1e6, 1_000_000), 100), clock);
        assertThat(refusals.refused(from("10.0.0.1", "/"), unsigned()).kind()).isEqualTo(Kind.UNAUTHENTICATED);
        assertThat(refusals.refused(from("10.0.0.1", "/"), unsigned()).kind()).isEqualTo(Kind.RATE_LIMITED);
        for (int i = 0; i < 100; i++) {
            refusals.refused(from("10.1.0." + i, "/"), unsigned());
        }
        assertThat(refusals.refused(from("10.0.0.1", "/"), unsigned()).kind())
                .as("forgotten after 100 newer sources: the bucket map never holds more than 100").isEqualTo(Kind.UNAUTHENTICATED);
    }

    @Test
    void aWindowIsSummarisedOnceWithCountsAndABoundedSample() {
        UnauthenticatedRefusals refusals = new UnauthenticatedRefusals(limits(new RequestLimits.Rate(1, 2), new RequestLimits.Rate(1000, 1000), 16), clock);
        String longPath = "/v1/cvms/cvm-" + "a".repeat(7600);
        refusals.refused(from("10.0.0.1", longPath), new ControllerException(Kind.FORBIDDEN, "key " + "f".repeat(64) + " is not a registered owner key"));
        refusals.refused(from("10.0.0.1", longPath), unsigned());
        for (int i = 0; i < 5; i++) {
            refusals.refused(from("10.0.0.1", longPath), unsigned());
        }
        clock.advance(Duration.ofSeconds(60));
        Optional<Payload.UnauthenticatedRefusals> summary = refusals.drain();
        assertThat(summary).isPresent();
        Payload.UnauthenticatedRefusals payload = summary.get();
        assertThat(payload.count()).isEqualTo(7);
        assertThat(payload.byReason()).containsExactly(entry("forbidden", 1L), entry("rate-limited", 5L), entry("unauthenticated", 1L));
        assertThat(payload.from()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(payload.to()).isEqualTo(Instant.parse("2026-12-01T00:01:00Z"));
        Payload.RefusalSample sample = payload.sample();
        assertThat(sample.path()).hasSize(LoggedText.MAX_CHARS).startsWith("/v1/cvms/cvm-aaa");
        assertThat(sample.pathChars()).isEqualTo(longPath.length());
        assertThat(sample.refusal()).isEqualTo("forbidden");
        assertThat(sample.source()).isEqualTo("10.0.0.1");
        assertThat(sample.method()).isEqualTo("PUT");
        assertThat(EntryCodec.canonical(PayloadCodec.encode(payload)).length()).isLessThan(1024);
        assertThat(refusals.drain()).as("a quiet window writes nothing").isEmpty();
    }
}
