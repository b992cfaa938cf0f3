package dev.duet.api;

import static dev.duet.api.ApiRefusalTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.provisioner.testing.OpenSshServer;
import dev.duet.protocol.entry.Payload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An owner request is read exactly as it was signed, or refused: the log must never hold something
 * other than what the owner sent (a coerced number, a replaced character, the second of two keys).
 */
class StrictOwnerRequestTest {
    @TempDir static Path dir;
    static OpenSshServer sshd;
    static RunningController running;
    static TestOwner owner;
    static String cvm;

    @BeforeAll
    static void adoptOne() throws Exception {
        sshd = OpenSshServer.start(dir.resolve("sshd"));
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()));
        owner = new TestOwner(running.port(), key);
        cvm = owner.adopt(sshd);
    }

    @AfterAll
    static void stop() throws Exception {
        running.close();
        sshd.close();
    }

    static TestOwner.Reply command(byte[] body) throws Exception {
        String path = "/v1/cvms/" + cvm + "/commands";
        return owner.raw("POST", path, body, "application/json",
                OwnerRequestSignature.sign(owner.key, running.keyId(), "POST", path, null, body, Instant.now().getEpochSecond()));
    }

    static List<JsonNode> entriesSince(long size) throws Exception {
        List<JsonNode> all = EndToEndTest.entries(owner);
        return all.subList((int) size, all.size());
    }

    /** The request was refused as invalid, and no command was started. */
    static void assertRefusedBeforeRunning(byte[] body) throws Exception {
        long before = ApiRefusalTest.logSizeOf(owner);
        assertProblem(command(body), 400, "invalid-request");
        assertThat(EndToEndTest.kinds(entriesSince(before))).as(new String(body, StandardCharsets.ISO_8859_1))
                .doesNotContain(EntryKind.COMMAND_STARTED.wire());
    }

    @Test
    void duplicateKeysAreRefused() throws Exception {
        assertRefusedBeforeRunning("{\"argv\":[\"true\"],\"argv\":[\"sh\",\"-c\",\"echo second\"]}".getBytes(StandardCharsets.UTF_8));
        assertRefusedBeforeRunning("{\"argv\":[\"true\"],\"timeout_seconds\":5,\"timeout_seconds\":50}".getBytes(StandardCharsets.UTF_8));
        String adopt = ApiRefusalTestBodies.adopt(sshd, sshd.hostPublicKey());
        String twoNames = adopt.replaceFirst("(\"name\":\"[^\"]+\")", "$1,\"name\":\"u\"");
        String twoPorts = adopt.replace("\"port\":" + sshd.port(), "\"port\":" + sshd.port() + ",\"port\":22");
        assertThat(List.of(twoNames, twoPorts)).as("each body really names a member twice").doesNotContain(adopt);
        int cvms = owner.get("/v1/cvms").body().path("cvms").size();
        assertProblem(owner.signed("POST", "/v1/cvms", twoNames), 400, "invalid-request");
        assertProblem(owner.signed("POST", "/v1/cvms", twoPorts), 400, "invalid-request");
        assertThat(owner.get("/v1/cvms").body().path("cvms")).hasSize(cvms);
    }

    @Test
    void argvElementsMustBeStrings() throws Exception {
        for (String argv : List.of("[\"echo\",1]", "[\"echo\",true]", "[\"echo\",1.5]", "[\"echo\",-0]", "[\"echo\",{}]", "[\"echo\",[\"x\"]]")) {
            assertRefusedBeforeRunning(("{\"argv\":" + argv + "}").getBytes(StandardCharsets.UTF_8));
        }
        assertRefusedBeforeRunning("{\"argv\":[\"true\"],\"timeout_seconds\":true}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void loneSurrogatesAreRefusedAndPairsAreLoggedExactly() throws Exception {
        for (String escaped : List.of("\\ud800", "\\udfff", "x\\ud800y", "\\ud800\\ud800", "\\udc00\\ud800")) {
            assertRefusedBeforeRunning(("{\"argv\":[\"echo\",\"" + escaped + "\"]}").getBytes(StandardCharsets.UTF_8));
        }
        long before = ApiRefusalTest.logSizeOf(owner);
        TestOwner.Reply paired = command("{\"argv\":[\"printf\",\"%s\",\"\\ud83d\\ude00\"]}".getBytes(StandardCharsets.UTF_8));
        assertThat(paired.status()).as(paired.raw()).isEqualTo(200);
        assertThat(EndToEndTest.decode(paired.body().path("stdout"))).isEqualTo("\uD83D\uDE00");
        JsonNode started = entriesSince(before).get(0);
        assertThat(started.path("kind").asText()).isEqualTo(EntryKind.COMMAND_STARTED.wire());
        assertThat(TestOwner.payload(started, Payload.CommandStarted.class).argv().get(2)).isEqualTo("\uD83D\uDE00");
    }

    @Test
    void invalidUtf8IsRefused() throws Exception {
        for (String bytes : List.of("c0af", "e080af", "ff", "eda080", "edbfbf", "f4908080", "e282", "80")) {
            byte[] prefix = "{\"argv\":[\"echo\",\"".getBytes(StandardCharsets.UTF_8);
            byte[] bad = HexFormat.of().parseHex(bytes);
            byte[] suffix = "\"]}".getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[prefix.length + bad.length + suffix.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            System.arraycopy(bad, 0, body, prefix.length, bad.length);
            System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);
            assertRefusedBeforeRunning(body);
        }
    }

    @Test
    void repeatedSignatureHeaderLinesAreRefusedAndTheNonceStaysUsable() throws Exception {
        String path = "/v1/cvms/" + cvm + "/mode";
        byte[] body = "{\"mode\":\"in-update\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> signed = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", path, null, body, Instant.now().getEpochSecond());
        for (String repeated : List.of("Signature", "Signature-Input", "Content-Digest")) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("Content-Type", List.of("application/json"));
            headers.put("Content-Length", List.of(String.valueOf(body.length)));
            signed.forEach((name, value) -> headers.put(name, name.equals(repeated) ? List.of(value, value) : List.of(value)));
            RawHttp.Response reply = RawHttp.exchange(running.port(), RawHttp.request("PUT", path, headers, body));
            assertThat(reply.status()).as(repeated + " twice: " + reply.text()).isEqualTo(401);
            assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
            assertThat(reply.json().path("type").asText()).isEqualTo("urn:duet:problem:unauthenticated");
        }
        TestOwner.Reply once = owner.raw("PUT", path, body, "application/json", signed);
        assertThat(once.status()).as(once.raw()).isEqualTo(200);
    }

    @Test
    void wrongContentTypeNeitherBurnsTheNonceNorLogsAnOwnerRefusal() throws Exception {
        String path = "/v1/cvms/" + cvm + "/mode";
        byte[] body = "{\"mode\":\"in-update\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> signed = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", path, null, body, Instant.now().getEpochSecond());
        long before = ApiRefusalTest.logSizeOf(owner);
        for (String wrong : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"}) {
            assertProblem(owner.raw("PUT", path, body, wrong, signed), 415, "unsupported-media-type");
        }
        assertThat(entriesSince(before)).noneMatch(e -> e.path("actor").asText().startsWith("owner:"));
        TestOwner.Reply accepted = owner.raw("PUT", path, body, "application/json", signed);
        assertThat(accepted.status()).as(accepted.raw()).isEqualTo(200);
    }
}
