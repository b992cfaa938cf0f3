package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.duet.protocol.Ed25519KeyPair;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A path that is not well-formed percent-encoding of UTF-8 ({@code %u0041}, a lone surrogate, a
 * stray {@code %}) is refused in the controller's own words before any route runs: 400 problem
 * details, nothing in the controller's log, and counted as an unauthenticated refusal, so a flood
 * of them from one source is answered 429 like any other. Checked with the logging configuration
 * the controller ships.
 */
class MalformedPathTest {
    /** The first five are refused by the controller; Jetty refuses the others, which it can decode but not as UTF-8, itself. */
    private static final List<String> MALFORMED = List.of(
            "POST /v1/cvms/%u0041/commands HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            "GET /v1/cvms/%u0041 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /v1/cvms/%uD800 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "DELETE /v1/cvms/%uD800 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "PUT /v1/cvms/%u0041/mode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            "GET /v1/cvms/%ED%A0%80 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /v1/cvms/%C3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /v1/cvms/%4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    @TempDir Path dir;

    static RawHttp.Response send(int port, String source, String request) throws Exception {
        try (Socket socket = RawHttp.open(source, port, Duration.ofSeconds(10))) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return RawHttp.read(socket.getInputStream());
        }
    }

    @Test
    void malformedPathsAreRefusedAsProblemsWithoutLoggingAndAreRateLimited() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ClientLogNoiseTest.configure(context, "/logback.xml");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()))) {
            root.addAppender(events);
            for (int i = 0; i < MALFORMED.size(); i++) {
                String request = MALFORMED.get(i);
                RawHttp.Response reply = send(running.port(), "127.0.9." + (i + 1), request);
                String line = request.substring(0, request.indexOf('\r'));
                assertThat(reply.status()).as(line + ": " + reply.text()).isEqualTo(400);
                assertThat(reply.header("Content-Type")).as(line).startsWith("application/problem+json");
                assertThat(reply.json().path("type").asText()).as(line).isEqualTo("urn:duet:problem:invalid-request");
                assertThat(reply.json().path("detail").asText()).as(line).doesNotContain("Exception").doesNotContain("java.");
                if (line.contains("%u")) {
                    assertThat(reply.json().path("detail").asText()).as(line).contains("percent-encoding");
                }
            }

            int refused = 0;
            int limited = 0;
            for (int i = 0; i < 60; i++) {
                RawHttp.Response reply = send(running.port(), "127.0.9.100", MALFORMED.get(i % 5));
                if (reply.status() == 429) {
                    limited++;
                    assertThat(reply.header("Retry-After")).isNotNull();
                    assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
                } else {
                    assertThat(reply.status()).isEqualTo(400);
                    refused++;
                }
            }
            assertThat(limited).as("a flood of malformed paths from one source is rate limited after " + refused + " refusals").isPositive();
            assertThat(send(running.port(), "127.0.9.101", "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status())
                    .as("other sources are still served").isEqualTo(200);

            List<String> logged = events.list.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + ": "
                    + e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " [" + e.getThrowableProxy().getClassName() + "]"))
                    .map(m -> m.substring(0, Math.min(m.length(), 200))).toList();
            assertThat(logged).as("malformed paths write nothing to the controller's log").isEmpty();
        } finally {
            root.detachAppender(events);
            ClientLogNoiseTest.configure(context, "/logback-test.xml");
        }
    }
}
