package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.protocol.entry.Payload;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An owner request that cannot be read is refused in the controller's own words: the problem detail,
 * and the request.refused entry that keeps it forever, name what is wrong and where, and never a
 * parser's class, feature or method name. Framing the signature does not cover is refused too.
 */
class OwnerRequestParsingTest {
    /** What a JSON library's own messages look like; none of it may reach an owner or the log. */
    static final Pattern INTERNALS = Pattern.compile("`|com\\.fasterxml|[Jj]ackson|Feature|java\\.|JsonNode|StreamReadConstraints|START_|"
            + "Exception|creator property|\\(code \\d+\\)");
    static final String UNKNOWN = "/v1/cvms/cvm-0000000000000000";

    @TempDir static Path dir;
    static RunningController running;
    static TestOwner owner;

    @BeforeAll
    static void start() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()));
        owner = new TestOwner(running.port(), key);
    }

    @AfterAll
    static void stop() throws Exception {
        running.close();
    }

    static TestOwner.Reply signedBytes(String method, String path, byte[] body) throws Exception {
        return owner.raw(method, path, body, "application/json",
                OwnerRequestSignature.sign(owner.key, running.keyId(), method, path, null, body, Instant.now().getEpochSecond()));
    }

    /** Refused as invalid with {@code expected} in the detail, no internals, and the same reason in the log. */
    static void assertRefusedAs(TestOwner.Reply reply, String expected) throws Exception {
        ApiRefusalTest.assertProblem(reply, 400, "invalid-request");
        String detail = reply.body().path("detail").asText();
        assertThat(detail).contains(expected);
        assertThat(INTERNALS.matcher(detail).find()).as(detail).isFalse();
        List<JsonNode> entries = EndToEndTest.entries(owner);
        JsonNode last = entries.get(entries.size() - 1);
        assertThat(last.path("kind").asText()).isEqualTo(EntryKind.REQUEST_REFUSED.wire());
        assertThat(TestOwner.payload(last, Payload.RequestRefused.class).reason()).isEqualTo(detail.length() > 256 ? detail.substring(0, 256) : detail);
    }

    @Test
    void unreadableCommandBodiesAreRefusedInOurOwnWords() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"argv\":" + "[".repeat(5000) + "]".repeat(5000) + "}", "nesting too deep");
        cases.put("{\"argv\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", "nesting too deep");
        cases.put("{\"argv\":[\"true\"],\"timeout_seconds\":NaN}", "NaN and Infinity are not JSON numbers");
        cases.put("{\"argv\":[\"true\"],\"timeout_seconds\":Infinity}", "NaN and Infinity are not JSON numbers");
        cases.put("{\"argv\":[\"true\"],\"timeout_seconds\":-Infinity}", "NaN and Infinity are not JSON numbers");
        cases.put("{\"argv\":[\"true\"],\"argv\":[\"x\"]}", "duplicate key \"argv\"");
        cases.put("{\"argv\":[\"true\"],\"\\u0061rgv\":[\"false\"]}", "duplicate key \"argv\"");
        cases.put("{\"argv\":[\"true\",1]}", "wrong type at $.argv[1]: expected a string");
        cases.put("{\"argv\":null}", "wrong type at $.argv: expected an array");
        cases.put("{\"argv\":[\"true\"],\"timeout_seconds\":\"5\"}", "wrong type at $.timeout_seconds: expected a number");
        cases.put("{\"argv\":[\"true\"],\"x\":1}", "unknown field \"x\"");
        cases.put("{\"x\":1}", "unknown field \"x\"");
        cases.put("{\"argv\":[\"true\"]} x", "trailing content after the JSON object");
        cases.put("{\"argv\":[\"true\"]}{}", "trailing content after the JSON object");
        cases.put("{\"argv\":[\"true\"] /* c */}", "malformed JSON at line 1, column");
        cases.put("{'argv':['true']}", "malformed JSON at line 1, column");
        cases.put("{\"argv\":[\"true\"],\"timeout_seconds\":" + "1".repeat(2000) + "}", "number longer than");
        cases.put("[]", "the body must be a JSON object");
        cases.put("", "the body must be a JSON object");
        cases.put("{\"argv\":[\"echo\",\"\\ud800\"]}", "unpaired UTF-16 surrogate at $.argv[1]");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertRefusedAs(signedBytes("POST", UNKNOWN + "/commands", c.getKey().getBytes(StandardCharsets.UTF_8)), c.getValue());
        }
        assertRefusedAs(signedBytes("POST", UNKNOWN + "/commands", new byte[] {'{', '"', 'a', (byte) 0xff, '"', ':', '1', '}'}),
                "the body is not well-formed UTF-8");
    }

    @Test
    void aMissingFieldIsNamedOnce() throws Exception {
        TestOwner.Reply command = owner.signed("POST", UNKNOWN + "/commands", "{}");
        assertRefusedAs(command, "missing field \"argv\"");
        assertThat(command.body().path("detail").asText()).isEqualTo("missing field \"argv\"");
        TestOwner.Reply mode = owner.signed("PUT", UNKNOWN + "/mode", "{}");
        assertRefusedAs(mode, "missing field \"mode\"");
        assertThat(mode.body().path("detail").asText()).isEqualTo("missing field \"mode\"");
    }

    @Test
    void nestedAdoptionFieldsAreNamedWithTheirPath() throws Exception {
        String ssh = "\"host\":\"h\",\"user\":\"u\",\"host_key\":\"k\",\"bootstrap_private_key\":\"p\"";
        assertRefusedAs(owner.signed("POST", "/v1/cvms", "{\"provider\":\"ssh\",\"name\":\"x\",\"ssh\":{" + ssh + ",\"x\":1}}"),
                "unknown field \"x\" at $.ssh");
        assertRefusedAs(owner.signed("POST", "/v1/cvms", "{\"provider\":\"ssh\",\"name\":\"x\",\"ssh\":{" + ssh.replace("\"host\":\"h\",", "") + "}}"),
                "missing field \"host\" at $.ssh");
        assertRefusedAs(owner.signed("POST", "/v1/cvms", "{\"provider\":\"ssh\",\"name\":\"x\",\"ssh\":{" + ssh + ",\"port\":22.5}}"),
                "wrong type at $.ssh.port: expected an integer");
        assertRefusedAs(owner.signed("POST", "/v1/cvms", "{\"provider\":\"ssh\",\"name\":\"x\",\"ssh\":{" + ssh + ",\"host\":\"i\"}}"),
                "duplicate key \"host\" at $.ssh");
    }

    @Test
    void theAzureObjectIsReadStrictlyAndAControllerWithoutAzureSaysSo() throws Exception {
        assertRefusedAs(owner.signed("POST", "/v1/cvms", "{\"provider\":\"azure\",\"name\":\"x\",\"azure\":{\"tee\":\"snp\",\"x\":1}}"),
                "unknown field \"x\" at $.azure");
        assertRefusedAs(owner.signed("POST", "/v1/cvms", "{\"provider\":\"azure\",\"name\":\"x\",\"azure\":{\"tee\":1}}"),
                "wrong type at $.azure.tee: expected a string");
        TestOwner.Reply noAzure = owner.signed("POST", "/v1/cvms", "{\"provider\":\"azure\",\"name\":\"x\",\"azure\":{\"tee\":\"tdx\","
                + "\"vm_size\":\"Standard_DC4es_v5\"}}");
        assertThat(noAzure.status()).isEqualTo(409);
        assertThat(noAzure.body().path("detail").asText()).isEqualTo("this controller has no Azure provider (it was started without an "
                + "Azure subscription)");
    }

    @Test
    void anEncodedBodyIsRefusedBeforeTheSignatureAndItsNonceStaysUsable() throws Exception {
        String path = UNKNOWN + "/mode";
        byte[] body = "{\"mode\":\"in-update\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> signed = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", path, null, body, Instant.now().getEpochSecond());
        long before = ApiRefusalTest.logSizeOf(owner);
        for (String coding : List.of("gzip", "identity", "br")) {
            Map<String, String> headers = new LinkedHashMap<>(signed);
            headers.put("Content-Encoding", coding);
            TestOwner.Reply reply = owner.raw("PUT", path, body, "application/json", headers);
            ApiRefusalTest.assertProblem(reply, 415, "unsupported-media-type");
            assertThat(reply.body().path("detail").asText()).contains("Content-Encoding");
        }
        assertThat(EndToEndTest.entries(owner).subList((int) before, (int) ApiRefusalTest.logSizeOf(owner)))
                .noneMatch(e -> e.path("actor").asText().startsWith("owner:"));
        ApiRefusalTest.assertProblem(owner.raw("PUT", path, body, "application/json", signed), 404, "unknown-cvm");
    }

    @Test
    void anIpv6AddressIsShownInBrackets() throws Exception {
        String body = TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", "v6")
                .set("ssh", TestOwner.JSON.createObjectNode().put("host", "::1").put("port", 1).put("user", "root")
                        .put("host_key", SshKeys.openSshPublicKey(SshKeys.generateEd25519().getPublic()))
                        .put("bootstrap_private_key", Files.readString(Path.of(OwnerRequestParsingTest.class.getResource("/bootstrap-ed25519-test-key").toURI()))))
                .toString();
        TestOwner.Reply created = owner.signed("POST", "/v1/cvms", body);
        assertThat(created.status()).as(created.raw()).isEqualTo(202);
        assertThat(created.body().path("address").asText()).isEqualTo("root@[::1]:1");
        JsonNode state = owner.get("/v1/cvms/" + created.body().path("id").asText()).body().path("payload");
        assertThat(state.path("cvm").path("address").asText()).isEqualTo("root@[::1]:1");
        JsonNode first = owner.get("/v1/cvms/" + created.body().path("id").asText() + "/entries").body().path("entries").get(0);
        assertThat(TestOwner.payload(first, Payload.SshAdoptionStarted.class).address()).isEqualTo("root@[::1]:1");
    }

    @Test
    void aBodyCutOffByTheIdleLimitSaysSoNotALaterDeadline(@TempDir Path own) throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        RequestLimits d = RequestLimits.defaults();
        RequestLimits shortIdle = d.withBodyPace(Duration.ofSeconds(20), d.minBodyBytesPerSecond())
                .withTimeouts(Duration.ofSeconds(2), d.headerTimeout());
        try (RunningController idle = RunningController.start(own.resolve("data"), List.of(key.publicKey()), shortIdle)) {
            String path = UNKNOWN + "/mode";
            byte[] body = ("{\"mode\":\"in-service\"" + " ".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("Content-Type", List.of("application/json"));
            headers.put("Content-Length", List.of(String.valueOf(body.length)));
            OwnerRequestSignature.sign(key, idle.keyId(), "PUT", path, null, body, Instant.now().getEpochSecond()).forEach((k, v) -> headers.put(k, List.of(v)));
            byte[] whole = RawHttp.request("PUT", path, headers, body);
            try (Socket socket = RawHttp.open("127.0.0.1", idle.port(), Duration.ofSeconds(15))) {
                socket.getOutputStream().write(whole, 0, whole.length - body.length + 10);
                RawHttp.Response reply = RawHttp.read(socket.getInputStream());
                assertThat(reply.status()).as(reply.text()).isEqualTo(408);
                String detail = reply.json().path("detail").asText();
                assertThat(detail).contains("2000 ms").doesNotContain(String.valueOf(shortIdle.bodyDeadline(body.length).toMillis()));
            }
        }
    }
}
