package dev.duet.api;

import dev.duet.controller.Controller;
import dev.duet.controller.ControllerMetrics;
import dev.duet.controller.ProviderKind;
import dev.duet.protocol.CvmMode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The controller's metrics in the Prometheus text format (docs/operations.md, "Metrics"), through
 * the Prometheus Java client. Every label has a bounded set of values: a route template (never a raw
 * path), a method, a status, a problem type, a mode, a provider, an outcome. Nothing per request
 * (no id, no address, no CVM id) and nothing secret is a label or a value.
 */
final class PrometheusMetrics implements ControllerMetrics {
    /** Seconds: from a read from memory (well under a millisecond) to a command or a provisioning that runs for minutes. */
    private static final double[] REQUEST_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        60, 300};
    private static final double[] COMMIT_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    private static final double[] PROVISIONING_SECONDS = {1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600};
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final AtomicLong logSize = new AtomicLong();
    private final Histogram requests = Histogram.builder().name("duet_http_request_duration_seconds")
            .help("HTTP requests by method, route template and status, and how long each took until its answer was sent")
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .labelNames("method", "route", "status").classicOnly().classicUpperBounds(REQUEST_SECONDS).withoutExemplars().register(registry);
    private final Counter problems = Counter.builder().name("duet_http_problems")
            .help("Requests answered with a problem document, by its type: refusals (invalid-request, unauthenticated, mode-forbids, "
                    + "rate-limited, too-many-reads, ...) and failures (internal, target-failed)")
            .labelNames("type").withoutExemplars().register(registry);
    private final Histogram commits = Histogram.builder().name("duet_log_commit_duration_seconds")
            .help("Log commits that appended entries, and how long each group commit took until durable (one fsync)")
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly().classicUpperBounds(COMMIT_SECONDS).withoutExemplars().register(registry);
    private final Counter appended = Counter.builder().name("duet_log_entries_appended")
            .help("Log entries appended since the controller started").withoutExemplars().register(registry);
    private final Counter commands = Counter.builder().name("duet_commands")
            .help("Owners' commands by outcome: completed, timed_out, target_failed, refused").labelNames("outcome")
            .withoutExemplars().register(registry);
    private final Histogram provisioning = Histogram.builder().name("duet_provisioning_duration_seconds")
            .help("CVM provisionings by provider and the mode they ended in (in-update or failed), and how long each took")
            .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .labelNames("provider", "mode").classicOnly().classicUpperBounds(PROVISIONING_SECONDS).withoutExemplars().register(registry);

    PrometheusMetrics(Controller controller) {
        GaugeWithCallback.builder().name("duet_log_size").help("Entries in the log (its tree size) as last committed")
                .callback(cb -> cb.call(logSize.get())).register(registry);
        GaugeWithCallback.builder().name("duet_cvms").help("CVMs by mode").labelNames("mode")
                .callback(cb -> controller.cvmsByMode().forEach((mode, count) -> cb.call(count, mode.wire()))).register(registry);
        for (ControllerMetrics.CommandOutcome outcome : ControllerMetrics.CommandOutcome.values()) {
            commands.labelValues(outcome.wire());
        }
    }

    /** One answered request; {@code route} is the template that matched, or a fixed word for none. */
    void request(String method, String route, int status, long nanos) {
        requests.labelValues(method, route, Integer.toString(status)).observe(nanos / 1e9);
    }

    void problem(String type) {
        problems.labelValues(type).inc();
    }

    @Override
    public void logCommitted(long size, long entries, Duration took) {
        logSize.set(size);
        if (entries > 0) {
            appended.inc(entries);
            commits.observe(took.toNanos() / 1e9);
        }
    }

    @Override
    public void commandFinished(CommandOutcome outcome) {
        commands.labelValues(outcome.wire()).inc();
    }

    @Override
    public void provisioned(ProviderKind provider, CvmMode mode, Duration took) {
        provisioning.labelValues(provider.wire(), mode.wire()).observe(took.toNanos() / 1e9);
    }

    /** The text exposition of every metric now. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
