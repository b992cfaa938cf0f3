package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} in the Prometheus text format, with what an operator alerts on counted by route
 * template, status, problem type, outcome and mode (never a raw path or a CVM id), and the request
 * id, taken or made, echoed on every answer, problem documents included.
 */
class MetricsAndRequestIdTest {
    @TempDir Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(RunningController c, String path, String requestId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path)).GET();
        if (requestId != null) {
            b.header("X-Request-Id", requestId);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double sample(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as(name + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void requestIdIsTakenWhenSafeMadeOtherwiseAndEchoedOnProblems() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        try (RunningController c = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            assertThat(get(c, "/healthz", "trace-42.a_b").headers().firstValue("X-Request-Id")).hasValue("trace-42.a_b");
            HttpResponse<String> unknown = get(c, "/v1/cvms/cvm-0123456789abcdef", "lookup-1");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(unknown.headers().firstValue("X-Request-Id")).hasValue("lookup-1");
            HttpResponse<String> badQuery = get(c, "/v1/log/proof/inclusion?index=x&size=1", "q-1");
            assertThat(badQuery.statusCode()).isEqualTo(400);
            assertThat(badQuery.headers().firstValue("X-Request-Id")).hasValue("q-1");
            // Jetty's own refusal (its error handler, not a route): an escape that is not UTF-8.
            HttpResponse<String> jetty = get(c, "/v1/cvms/%ED%A0%80", "bad-utf8");
            assertThat(jetty.statusCode()).isEqualTo(400);
            assertThat(jetty.headers().firstValue("X-Request-Id")).hasValue("bad-utf8");
            for (String unsafe : new String[] {"x".repeat(65), "a\"b", "a b", "ü"}) {
                String made = get(c, "/healthz", unsafe).headers().firstValue("X-Request-Id").orElseThrow();
                assertThat(made).matches("[0-9a-f]{16}");
            }
            String first = get(c, "/healthz", null).headers().firstValue("X-Request-Id").orElseThrow();
            String second = get(c, "/healthz", null).headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(first).matches("[0-9a-f]{16}").isNotEqualTo(second);
        }
    }

    @Test
    void metricsCountByRouteTemplateStatusAndProblemTypeWithoutPerRequestData() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        try (RunningController c = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            get(c, "/v1/cvms/cvm-0123456789abcdef", "secret-looking-id");
            get(c, "/v1/cvms/cvm-fedcba9876543210", null);
            get(c, "/v1/cvms/web-1/entries", null);
            get(c, "/no/such/route/for-me", null);
            HttpResponse<String> scraped = get(c, "/metrics", null);
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
            String m = scraped.body();
            assertThat(sample(m, "duet_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/cvms/{id}\",status=\"404\"}"))
                    .isEqualTo(2);
            assertThat(sample(m, "duet_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/cvms/{id}/entries\",status=\"404\"}"))
                    .isEqualTo(1);
            assertThat(sample(m, "duet_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}"))
                    .isEqualTo(1);
            assertThat(m).contains("duet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/cvms/{id}\",status=\"404\",le=\"0.005\"}");
            assertThat(sample(m, "duet_http_problems_total{type=\"unknown-cvm\"}")).isEqualTo(3);
            assertThat(sample(m, "duet_http_problems_total{type=\"not-found\"}")).isEqualTo(1);
            // Entry 0 registers the owners.
            assertThat(sample(m, "duet_log_size")).isGreaterThanOrEqualTo(1);
            assertThat(sample(m, "duet_cvms{mode=\"in-update\"}")).isZero();
            assertThat(sample(m, "duet_commands_total{outcome=\"completed\"}")).isZero();
            assertThat(m).doesNotContain("cvm-0123456789abcdef", "secret-looking-id", "web-1", "for-me", "127.0.0.1");
        }
    }

    @Test
    void metricsCountProvisioningCommandsLogAppendsAndModes() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController c = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            TestOwner o = new TestOwner(c.port(), owner);
            double sizeBefore = sample(get(c, "/metrics", null).body(), "duet_log_size");
            String id = o.adopt(sshd);
            assertThat(o.signed("POST", "/v1/cvms/" + id + "/commands", "{\"argv\":[\"true\"]}").status()).isEqualTo(200);
            assertThat(o.signed("PUT", "/v1/cvms/" + id + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);
            assertThat(o.signed("POST", "/v1/cvms/" + id + "/commands", "{\"argv\":[\"true\"]}").status()).isEqualTo(409);
            String m = get(c, "/metrics", null).body();
            assertThat(sample(m, "duet_provisioning_duration_seconds_count{mode=\"in-update\",provider=\"ssh\"}")).isEqualTo(1);
            assertThat(sample(m, "duet_commands_total{outcome=\"completed\"}")).isEqualTo(1);
            assertThat(sample(m, "duet_commands_total{outcome=\"refused\"}")).isEqualTo(1);
            assertThat(sample(m, "duet_cvms{mode=\"in-service\"}")).isEqualTo(1);
            assertThat(sample(m, "duet_cvms{mode=\"in-update\"}")).isZero();
            assertThat(sample(m, "duet_http_problems_total{type=\"mode-forbids\"}")).isEqualTo(1);
            // adoption started, adopted, command started and completed, mode changed, refusal: six entries at least.
            assertThat(sample(m, "duet_log_size")).isGreaterThanOrEqualTo(sizeBefore + 6);
            assertThat(sample(m, "duet_log_entries_appended_total")).isGreaterThanOrEqualTo(6);
            assertThat(sample(m, "duet_log_commit_duration_seconds_count")).isGreaterThanOrEqualTo(5);
            assertThat(m).doesNotContain(id);
        }
    }
}
