package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.duet.protocol.Ed25519KeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Anonymous clients cannot write to the controller's log at will: requests that are wrong in ways
 * the HTTP server itself refuses (two Host headers, a bad URI, …) are answered, not logged. Checked
 * with the logging configuration the controller ships (logback.xml), not the tests' own.
 */
class ClientLogNoiseTest {
    @TempDir Path dir;

    static void configure(LoggerContext context, String resource) throws Exception {
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(ClientLogNoiseTest.class.getResource(resource));
    }

    @Test
    void malformedRequestsAreAnsweredNotLogged() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        configure(context, "/logback.xml");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(events);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()))) {
            String padding = "A".repeat(6000);
            List<String> mistakes = List.of(
                    "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: " + padding + "\r\nConnection: close\r\n\r\n",
                    "GET /%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: " + padding + "\r\n\r\n",
                    "POST /v1/cvms HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                    "GET /healthz HTTP/1.2\r\nHost: " + padding + "\r\n\r\n");
            int sent = 0;
            for (int i = 0; i < 40; i++) {
                for (String request : mistakes) {
                    RawHttp.Response reply = RawHttp.exchange(running.port(), request.getBytes(StandardCharsets.ISO_8859_1));
                    assertThat(reply.status()).isBetween(400, 505);
                    sent++;
                }
            }
            List<String> warnings = events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).map(m -> m.substring(0, Math.min(m.length(), 160))).toList();
            assertThat(warnings.size()).as(sent + " malformed requests wrote to the log, e.g. " + warnings.stream().limit(2).toList()).isZero();
            assertThat(context.getLogger("org.eclipse.jetty.server").getEffectiveLevel())
                    .as("Jetty's own faults still log").isEqualTo(Level.WARN);
        } finally {
            root.detachAppender(events);
            configure(context, "/logback-test.xml");
        }
    }
}
