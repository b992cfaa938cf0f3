package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        RequestLimits d = RequestLimits.defaults();
        return new RequestLimits(d.maxBodyBytes(), d.bodyGrace(), d.minBodyBytesPerSecond(), d.idleTimeout(), d.headerTimeout(),
                d.maxConnections(), d.maxConnectionsPerSource(), d.maxHeavyReads(), d.maxHeavyReadsPerSource(), perSource, overall,
                trackedSources, d.refusalWindow());
    }

    static OwnerRequest from(String source, String path) {
        return new OwnerRequest("PUT", path, null, source, Map.of("Signature", List.of("x")), OwnerRequest.Body.JSON);
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
        Optional<ObjectNode> summary = refusals.drain();
        assertThat(summary).isPresent();
        JsonNode payload = summary.get();
        assertThat(payload.path("count").asLong()).isEqualTo(7);
        assertThat(payload.path("by_reason").path("forbidden").asLong()).isEqualTo(1);
        assertThat(payload.path("by_reason").path("unauthenticated").asLong()).isEqualTo(1);
        assertThat(payload.path("by_reason").path("rate-limited").asLong()).isEqualTo(5);
        assertThat(payload.path("from").asText()).isEqualTo("2026-12-01T00:00:00Z");
        assertThat(payload.path("to").asText()).isEqualTo("2026-12-01T00:01:00Z");
        JsonNode sample = payload.path("sample");
        assertThat(sample.path("path").asText()).hasSize(LoggedText.MAX_CHARS).startsWith("/v1/cvms/cvm-aaa");
        assertThat(sample.path("path_chars").asInt()).isEqualTo(longPath.length());
        assertThat(sample.path("refusal").asText()).isEqualTo("forbidden");
        assertThat(sample.path("source").asText()).isEqualTo("10.0.0.1");
        assertThat(sample.path("method").asText()).isEqualTo("PUT");
        assertThat(payload.toString().length()).isLessThan(1024);
        assertThat(refusals.drain()).as("a quiet window writes nothing").isEmpty();
    }
}
