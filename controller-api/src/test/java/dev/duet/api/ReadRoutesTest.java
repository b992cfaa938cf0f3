package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.ssh.SshKeys;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read routes answer HEAD as they answer GET (RFC 9110 §9.3.2), read their query strictly (ASCII
 * digits, well-formed percent-encoding, no repeated or unknown parameters), and a request the HTTP
 * layer refuses ends its connection.
 */
class ReadRoutesTest {
    @TempDir static Path dir;
    static RunningController running;
    static TestOwner owner;
    static String cvm;

    @BeforeAll
    static void start() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()));
        owner = new TestOwner(running.port(), key);
        String body = TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", "r")
                .set("ssh", TestOwner.JSON.createObjectNode().put("host", "127.0.0.1").put("port", 1).put("user", "root")
                        .put("host_key", SshKeys.openSshPublicKey(SshKeys.generateEd25519().getPublic()))
                        .put("bootstrap_private_key", Files.readString(Path.of(ReadRoutesTest.class.getResource("/bootstrap-ed25519-test-key").toURI()))))
                .toString();
        TestOwner.Reply created = owner.signed("POST", "/v1/cvms", body);
        assertThat(created.status()).as(created.raw()).isEqualTo(202);
        cvm = created.body().path("id").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        running.close();
    }

    /** Status line and header block of one answer, and whatever bytes followed the header block until the server closed. */
    record Head(String statusLine, String headers, byte[] rest) {
        String header(String name) {
            for (String line : headers.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":")) {
                    return line.substring(name.length() + 1).trim();
                }
            }
            return null;
        }
    }

    static Head exchange(String method, String target) throws Exception {
        String request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(10))) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            byte[] all = socket.getInputStream().readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertThat(end).as(method + " " + target + ": " + text).isPositive();
            int firstLine = text.indexOf("\r\n");
            return new Head(text.substring(0, firstLine), text.substring(firstLine + 2, end),
                    Arrays.copyOfRange(all, end + 4, all.length));
        }
    }

    @Test
    void headAnswersAsGetWouldWithoutABody() throws Exception {
        for (String target : List.of("/healthz", "/v1/controller/evidence", "/v1/controller/evidence?nonce=abc", "/v1/cvms", "/v1/cvms/" + cvm,
                "/v1/cvms/" + cvm + "?nonce=n-1", "/v1/cvms/nope", "/v1/cvms/cvm-00000000deadbeef", "/v1/log/entries",
                "/v1/log/entries?start=0&end=1", "/v1/log/entries?start=x", "/v1/log/checkpoint", "/v1/log/proof/inclusion",
                "/v1/log/proof/inclusion?index=0&size=1", "/v1/log/proof/inclusion?index=5&size=1", "/v1/log/proof/consistency",
                "/v1/log/proof/consistency?from=0&to=1", "/v1/cvms/" + cvm + "/mode", "/nope")) {
            Head get = exchange("GET", target);
            Head head = exchange("HEAD", target);
            assertThat(head.statusLine()).as("HEAD " + target).isEqualTo(get.statusLine());
            assertThat(head.header("Content-Type")).as("HEAD " + target).isEqualTo(get.header("Content-Type"));
            assertThat(head.rest()).as("HEAD " + target + " has no body").isEmpty();
            assertThat(get.rest()).as("GET " + target).isNotEmpty();
        }
    }

    @Test
    void headOfTheOwnersFileReadIsNotAllowedWhateverTheIdOrQuery() throws Exception {
        for (String target : List.of("/v1/cvms/" + cvm + "/files?path=/etc/hostname", "/v1/cvms/nope/files", "/v1/cvms/nope/files?path=%zz")) {
            Head head = exchange("HEAD", target);
            assertThat(head.statusLine()).as("HEAD " + target).contains(" 405 ");
            assertThat(head.rest()).isEmpty();
        }
    }

    @Test
    void queryIntegersAreAsciiDigitsAndMalformedOrUnknownParametersAreRefused() throws Exception {
        for (String bad : List.of("/v1/log/entries?start=%", "/v1/log/entries?start=%2", "/v1/log/entries?start=%zz1", "/v1/log/entries?start=%D9%A1",
                "/v1/log/entries?start=%E0%B9%91", "/v1/log/entries?start=%2B1", "/v1/log/entries?start=+1", "/v1/log/entries?start=-0",
                "/v1/log/entries?start=1&start=2", "/v1/log/entries?start=", "/v1/log/entries?start", "/v1/log/entries?start=0x1",
                "/v1/log/entries?start=1e3", "/v1/log/entries?start=" + "1".repeat(19), "/v1/log/entries?start=0&&end=1",
                "/v1/log/entries?foo=1", "/v1/log/entries?START=1", "/v1/log/proof/inclusion?index=0&size=%31%ff",
                "/v1/log/proof/inclusion?index=0&size=1&x=1", "/v1/log/proof/consistency?from=0&to=1&to=1",
                "/v1/cvms?x=1", "/healthz?x", "/v1/log/checkpoint?nonce=abc", "/v1/controller/evidence?nonce=a&nonce=b",
                "/v1/controller/evidence?nonce=%", "/v1/controller/evidence?start=1", "/v1/cvms/" + cvm + "?start=0")) {
            Head reply = exchange("GET", bad);
            assertThat(reply.statusLine()).as(bad).startsWith("HTTP/1.1 400 ");
            assertThat(reply.header("Content-Type")).as(bad).startsWith("application/problem+json");
            assertThat(TestOwner.JSON.readTree(reply.rest()).path("type").asText()).as(bad).isEqualTo("urn:duet:problem:invalid-request");
        }
        assertThat(owner.get("/v1/log/entries?start=%31&end=2").body().path("entries")).hasSize(1);
        assertThat(owner.get("/v1/log/entries?start=0&end=" + "9".repeat(18)).status()).isEqualTo(200);
        assertThat(owner.get("/v1/controller/evidence?nonce=a-b_C").body().path("payload").path("nonce").asText()).isEqualTo("a-b_C");
        assertThat(owner.get("/v1/cvms/" + cvm + "?nonce=x").status()).isEqualTo(200);
        assertThat(owner.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void anOwnerRouteTakesNoQuery() throws Exception {
        long before = ApiRefusalTest.logSizeOf(owner);
        TestOwner.Reply reply = owner.signed("PUT", "/v1/cvms/" + cvm + "/mode?force=1", "{\"mode\":\"in-update\"}");
        ApiRefusalTest.assertProblem(reply, 400, "invalid-request");
        assertThat(reply.body().path("detail").asText()).contains("force");
        ApiRefusalTest.assertProblem(owner.signed("DELETE", "/v1/cvms/" + cvm + "?now", null), 400, "invalid-request");
        assertThat(owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm").path("mode").asText()).isNotEqualTo("stopped");
        assertThat(ApiRefusalTest.logSizeOf(owner)).isGreaterThan(before);
    }

    @Test
    void aRefusedConnectClosesTheConnection() throws Exception {
        // Refused by Jetty (authority and Host differ), and by routing: no route serves CONNECT, and its authority-form
        // target reaches routing as the path "/", which the web page serves for GET and HEAD only.
        for (var connect : Map.of("x", 400, "127.0.0.1:22", 405).entrySet()) {
            try (Socket socket = RawHttp.open("127.0.0.1", running.port(), Duration.ofSeconds(5))) {
                socket.getOutputStream().write(("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: " + connect.getKey() + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = socket.getInputStream();
                RawHttp.Response reply = RawHttp.read(in);
                assertThat(reply.status()).isEqualTo(connect.getValue());
                assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
                assertThat(RawHttp.closedByPeer(socket, Duration.ofSeconds(3))).as("Host " + connect.getKey() + ": closed after the answer").isTrue();
            }
        }
    }
}
