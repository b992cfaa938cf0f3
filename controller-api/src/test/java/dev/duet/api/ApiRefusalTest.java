package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.provisioner.testing.OpenSshServer;
import dev.duet.protocol.entry.Payload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on every endpoint, and every security refusal of owner authentication: each answer is a
 * 4xx application/problem+json with a stable type, never a 500. Refusals of an authenticated owner
 * land in the log one by one; refusals before authentication are counted for the next refusal
 * summary (RefusalFloodTest) and append nothing now, least of all to the CVM's chain.
 */
class ApiRefusalTest {
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
        TestOwner.Reply created = owner.signed("POST", "/v1/cvms", adoptBody(sshd.hostPublicKey()));
        assertThat(created.status()).as(created.raw()).isEqualTo(202);
        cvm = created.body().path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"in-update".equals(mode()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(mode()).isEqualTo("in-update");
    }

    @AfterAll
    static void stop() throws Exception {
        running.close();
        sshd.close();
    }

    static String mode() throws Exception {
        return owner.get("/v1/cvms").body().path("cvms").get(0).path("mode").asText();
    }

    static String adoptBody(String hostKey) throws Exception {
        return ApiRefusalTestBodies.adopt(sshd, hostKey);
    }

    static void assertProblem(TestOwner.Reply reply, int status, String type) {
        assertThat(reply.status()).as(reply.raw()).isEqualTo(status);
        assertThat(reply.contentType()).as("one content type for every problem").isEqualTo("application/problem+json");
        assertThat(reply.body().path("type").asText()).isEqualTo("urn:duet:problem:" + type);
        assertThat(reply.body().path("status").asInt()).isEqualTo(status);
        assertThat(reply.raw()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("<html");
    }

    static JsonNode lastEntry() throws Exception {
        JsonNode page = owner.get("/v1/log/entries?start=" + (owner.get("/v1/log/entries?start=0&end=0").body().path("size").asLong() - 1)).body();
        return page.path("entries").get(0);
    }

    static long logSize() throws Exception {
        return logSizeOf(owner);
    }

    static long logSizeOf(TestOwner client) throws Exception {
        return client.get("/v1/log/entries?start=0&end=0").body().path("size").asLong();
    }

    /**
     * Refused before the sender was authenticated, for the given reason: nothing is appended to the
     * log, so nobody can grow it (or the CVM's chain) by sending such requests.
     */
    static void assertUnauthenticatedRefusal(TestOwner.Reply reply, long sizeBefore, int status, String type, String reasonFragment)
            throws Exception {
        assertProblem(reply, status, type);
        assertThat(reply.body().path("detail").asText()).contains(reasonFragment);
        assertThat(logSize()).isEqualTo(sizeBefore);
    }

    /** The refusal is the newest log entry, with the given reason fragment. */
    static void assertLoggedRefusal(long sizeBefore, String refusal, String reasonFragment) throws Exception {
        assertThat(logSize()).isEqualTo(sizeBefore + 1);
        JsonNode entry = lastEntry();
        assertThat(entry.path("kind").asText()).isEqualTo(EntryKind.REQUEST_REFUSED.wire());
        Payload.RequestRefused refused = TestOwner.payload(entry, Payload.RequestRefused.class);
        assertThat(refused.refusal()).isEqualTo(refusal);
        assertThat(refused.reason()).contains(reasonFragment);
    }

    String modeBody() {
        return "{\"mode\":\"in-update\"}";
    }

    @Test
    void unsignedOwnerRequestIsRefusedAndLeavesTheCvmAlone() throws Exception {
        long before = logSize();
        JsonNode cvmLog = owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm_log");
        assertUnauthenticatedRefusal(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", modeBody().getBytes(StandardCharsets.UTF_8),
                "application/json", Map.of()), before, 401, "unauthenticated", "not signed");
        assertThat(owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm_log")).isEqualTo(cvmLog);
    }

    @Test
    void tamperedSignatureIsRefused() throws Exception {
        long before = logSize();
        byte[] body = modeBody().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>(OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", "/v1/cvms/" + cvm + "/mode", null, body, Instant.now().getEpochSecond()));
        String sig = headers.get("Signature");
        char flipped = sig.charAt(10) == 'A' ? 'B' : 'A';
        headers.put("Signature", sig.substring(0, 10) + flipped + sig.substring(11));
        assertUnauthenticatedRefusal(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", headers), before,
                401, "unauthenticated", "invalid signature");
    }

    @Test
    void unknownKeyIsForbidden() throws Exception {
        long before = logSize();
        Ed25519KeyPair stranger = Ed25519KeyPair.generate();
        assertUnauthenticatedRefusal(owner.signedWith(stranger, "PUT", "/v1/cvms/" + cvm + "/mode", modeBody(), "application/json",
                Instant.now().getEpochSecond()), before, 403, "forbidden", "not a registered owner key");
    }

    @Test
    void staleOrFutureSignatureTimeIsRefused() throws Exception {
        for (long offset : new long[] {-3600, +3600}) {
            long before = logSize();
            assertUnauthenticatedRefusal(owner.signedWith(owner.key, "PUT", "/v1/cvms/" + cvm + "/mode", modeBody(), "application/json",
                    Instant.now().getEpochSecond() + offset), before, 401, "unauthenticated", "outside the accepted window");
        }
    }

    @Test
    void replayedRequestIsRefused() throws Exception {
        byte[] body = modeBody().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", "/v1/cvms/" + cvm + "/mode", null, body, Instant.now().getEpochSecond());
        assertThat(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", headers).status()).isEqualTo(200);
        long before = logSize();
        assertUnauthenticatedRefusal(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", headers), before,
                401, "replayed", "already used");
    }

    @Test
    void signatureForAnotherPathQueryOrBodyIsRefused() throws Exception {
        byte[] body = modeBody().getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        Map<String, String> forOtherPath = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", "/v1/cvms/cvm-0000000000000000/mode", null, body, now);
        long before = logSize();
        assertUnauthenticatedRefusal(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", forOtherPath), before,
                401, "unauthenticated", "invalid signature");

        Map<String, String> forOtherMethod = OwnerRequestSignature.sign(owner.key, running.keyId(), "POST", "/v1/cvms/" + cvm + "/mode", null, body, now);
        assertProblem(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", forOtherMethod), 401, "unauthenticated");

        Map<String, String> forOtherQuery = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", "/v1/cvms/" + cvm + "/mode", "x=1", body, now);
        assertProblem(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", forOtherQuery), 401, "unauthenticated");

        Map<String, String> forOtherBody = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", "/v1/cvms/" + cvm + "/mode", null, body, now);
        assertUnauthenticatedRefusal(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8),
                "application/json", forOtherBody), before, 401, "unauthenticated", "Content-Digest");
        assertThat(mode()).isEqualTo("in-update");

        Map<String, String> digestSwapped = new HashMap<>(forOtherBody);
        byte[] otherBody = "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8);
        digestSwapped.put("Content-Digest", OwnerRequestSignature.contentDigest(otherBody));
        assertProblem(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", otherBody, "application/json", digestSwapped), 401, "unauthenticated");
        assertThat(mode()).isEqualTo("in-update");
    }

    /**
     * The replay a review made: the same signed bytes sent to a second controller that registered the
     * same owner key. Each remembers only its own nonces, so only the tag naming the controller the
     * request was signed for keeps the second from taking it.
     */
    @Test
    void aRequestSignedForAnotherControllerIsRefused() throws Exception {
        byte[] bytes = modeBody().getBytes(StandardCharsets.UTF_8);
        String path = "/v1/cvms/" + cvm + "/mode";
        try (RunningController other = RunningController.start(dir.resolve("other-" + System.nanoTime()), List.of(owner.key.publicKey()))) {
            Map<String, String> forThisOne = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", path, null, bytes,
                    Instant.now().getEpochSecond());
            TestOwner.Reply replayed = new TestOwner(other.port(), owner.key).raw("PUT", path, bytes, "application/json", forThisOne);
            assertProblem(replayed, 401, "unauthenticated");
            assertThat(replayed.body().path("detail").asText()).contains("signed for controller " + running.keyId())
                    .contains("not this one (" + other.keyId() + ")");
            TestOwner.Reply here = owner.raw("PUT", path, bytes, "application/json", forThisOne);
            assertThat(here.status()).as(here.raw()).isEqualTo(200);
        }
    }

    @Test
    void malformedSignatureHeadersAreRefused() throws Exception {
        byte[] body = modeBody().getBytes(StandardCharsets.UTF_8);
        Map<String, String> good = OwnerRequestSignature.sign(owner.key, running.keyId(), "PUT", "/v1/cvms/" + cvm + "/mode", null, body, Instant.now().getEpochSecond());
        for (Map.Entry<String, String> bad : List.of(
                Map.entry("Signature-Input", good.get("Signature-Input").replace(";alg=\"ed25519\"", "")),
                Map.entry("Signature-Input", good.get("Signature-Input").replace("\"@query\" ", "")),
                Map.entry("Signature", "duet=:not-base64:"),
                Map.entry("Signature", "other=" + good.get("Signature").substring(5)))) {
            Map<String, String> headers = new HashMap<>(good);
            headers.put(bad.getKey(), bad.getValue());
            assertProblem(owner.raw("PUT", "/v1/cvms/" + cvm + "/mode", body, "application/json", headers), 401, "unauthenticated");
        }
    }

    @Test
    void malformedJsonUnknownFieldsAndWrongTypesAreInvalid() throws Exception {
        int cvmsBefore = owner.get("/v1/cvms").body().path("cvms").size();
        for (String bad : List.of("{", "[]", "null", "{\"mode\":\"in-update\"} trailing", "{\"mode\":\"in-update\",\"extra\":1}",
                "{\"mode\":5}", "{}", "{\"mode\":\"stopped\"}", "{\"mode\":\"in-update\",\"mode\":\"in-service\"}")) {
            long before = logSize();
            TestOwner.Reply reply = owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", bad);
            assertProblem(reply, 400, "invalid-request");
            assertLoggedRefusal(before, "invalid-request", "");
        }
        for (String bad : List.of("{\"argv\":[]}", "{\"argv\":\"id\"}", "{\"argv\":[\"a\\u0000b\"]}", "{\"argv\":[\"id\"],\"timeout_seconds\":-1}",
                "{\"argv\":[\"id\"],\"shell\":true}", "{\"argv\":[null]}",
                "{\"argv\":[\"id\"],\"timeout_seconds\":7200}", "{\"argv\":[\"id\"],\"timeout_seconds\":\"60\"}")) {
            assertProblem(owner.signed("POST", "/v1/cvms/" + cvm + "/commands", bad), 400, "invalid-request");
        }
        for (String bad : List.of("{\"provider\":\"qemu\",\"name\":\"x\",\"ssh\":{}}", "{\"provider\":\"ssh\",\"name\":\"x\"}",
                adoptBody("ssh-ed25519 not-a-key"), adoptBody(sshd.hostPublicKey()).replaceFirst("\"name\":\"t-[0-9]+\"", "\"name\":\"../etc\""),
                adoptBody(sshd.hostPublicKey()).replace("\"port\":" + sshd.port(), "\"port\":70000"),
                adoptBody(sshd.hostPublicKey()).replace("OPENSSH PRIVATE KEY", "NOT A KEY"))) {
            assertProblem(owner.signed("POST", "/v1/cvms", bad), 400, "invalid-request");
        }
        assertThat(owner.get("/v1/cvms").body().path("cvms")).hasSize(cvmsBefore);
    }

    @Test
    void wrongContentTypeIsUnsupported() throws Exception {
        long before = logSize();
        assertUnauthenticatedRefusal(owner.signedWith(owner.key, "PUT", "/v1/cvms/" + cvm + "/mode", modeBody(), "text/plain",
                Instant.now().getEpochSecond()), before, 415, "unsupported-media-type", "text/plain");
        assertProblem(owner.signedWith(owner.key, "POST", "/v1/cvms/" + cvm + "/commands", "{\"argv\":[\"id\"]}", null, Instant.now().getEpochSecond()),
                415, "unsupported-media-type");
    }

    @Test
    void oversizedBodyIsRefusedWithoutReachingTheController() throws Exception {
        long before = logSize();
        byte[] huge = ("{\"argv\":[\"" + "x".repeat(2 << 20) + "\"]}").getBytes(StandardCharsets.UTF_8);
        String path = "/v1/cvms/" + cvm + "/commands";
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Content-Length", List.of(Integer.toString(huge.length)));
        OwnerRequestSignature.sign(owner.key, running.keyId(), "POST", path, null, huge, Instant.now().getEpochSecond())
                .forEach((name, value) -> headers.put(name, List.of(value)));
        // Only the body's first 64 KiB: the controller answers from Content-Length alone and closes, so
        // a client still writing the rest races that close (the JDK client then reports no answer).
        RawHttp.Response reply = RawHttp.exchange(running.port(), RawHttp.request("POST", path, headers, Arrays.copyOf(huge, 64 * 1024)));
        assertThat(reply.status()).as(reply.text()).isEqualTo(413);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(reply.json().path("type").asText()).isEqualTo("urn:duet:problem:body-too-large");
        assertThat(reply.json().path("detail").asText()).contains("announces " + huge.length);
        assertThat(logSize()).isEqualTo(before);
    }

    @Test
    void unknownCvmIsNotFoundOnEveryRoute() throws Exception {
        String missing = "/v1/cvms/cvm-00000000deadbeef";
        assertProblem(owner.get(missing), 404, "unknown-cvm");
        assertProblem(owner.signed("PUT", missing + "/mode", modeBody()), 404, "unknown-cvm");
        assertProblem(owner.signed("POST", missing + "/commands", "{\"argv\":[\"id\"]}"), 404, "unknown-cvm");
        assertProblem(owner.signed("DELETE", missing, null), 404, "unknown-cvm");
        assertProblem(owner.get("/v1/cvms/..%2F..%2Fetc"), 404, "unknown-cvm");
    }

    @Test
    void unknownRoutesAndBadQueriesAreProblems() throws Exception {
        assertProblem(owner.get("/nope"), 404, "not-found");
        assertProblem(owner.raw("PATCH", "/v1/cvms/" + cvm + "/mode", new byte[0], null, Map.of()), 405, "method-not-allowed");
        assertProblem(owner.raw("POST", "/healthz", new byte[0], null, Map.of()), 405, "method-not-allowed");
        assertProblem(owner.get("/v1/log/entries?start=abc"), 400, "invalid-request");
        assertProblem(owner.get("/v1/log/entries?start=5&end=2"), 400, "invalid-request");
        assertProblem(owner.get("/v1/log/entries?start=-1"), 400, "invalid-request");
        assertProblem(owner.get("/v1/cvms/" + cvm + "?nonce=" + "x".repeat(200)), 400, "invalid-request");
        assertProblem(owner.get("/v1/controller/evidence?nonce=%3Cscript%3E"), 400, "invalid-request");
        assertThat(owner.get("/v1/log/entries?start=100000").body().path("entries")).isEmpty();
    }

    @Test
    void logProofsVerifyAgainstTheServedCheckpointAndBadRangesAreInvalid() throws Exception {
        TestOwner.Reply note = owner.get("/v1/log/checkpoint");
        assertThat(note.status()).isEqualTo(200);
        assertThat(note.contentType()).startsWith("text/plain");
        dev.duet.protocol.Ed25519PublicKey key = running.controller.signingKey();
        dev.duet.log.note.Checkpoint checkpoint = dev.duet.log.note.Checkpoint.open(note.raw(),
                dev.duet.protocol.ControllerLog.verifierKey(key), dev.duet.protocol.ControllerLog.origin(key));
        long size = checkpoint.size();
        assertThat(size).isGreaterThanOrEqualTo(3);
        List<JsonNode> entries = EndToEndTest.entries(owner).subList(0, (int) size);
        for (long index : new long[] {0, 1, size - 1}) {
            JsonNode proof = owner.get("/v1/log/proof/inclusion?index=" + index + "&size=" + size).body();
            java.util.List<dev.duet.log.Sha256Hash> path = new java.util.ArrayList<>();
            proof.path("path").forEach(p -> path.add(dev.duet.log.Sha256Hash.parseHex(p.asText())));
            byte[] entry = dev.duet.log.EntryCodec.encode(dev.duet.log.EntryCodec.fromJson(entries.get((int) index)));
            assertThat(dev.duet.log.merkle.ProofVerifier.verifyInclusion(index, size, dev.duet.log.merkle.MerkleHashes.leaf(entry), path,
                    checkpoint.root()).holds()).as("entry " + index).isTrue();
        }
        JsonNode consistency = owner.get("/v1/log/proof/consistency?from=1&to=" + size).body();
        assertThat(consistency.path("proof").size()).isPositive();
        for (String bad : List.of("/v1/log/proof/inclusion?index=0", "/v1/log/proof/inclusion?size=1", "/v1/log/proof/inclusion?index=5&size=5",
                "/v1/log/proof/inclusion?index=0&size=" + (size + 1000), "/v1/log/proof/inclusion?index=-1&size=1",
                "/v1/log/proof/inclusion?index=x&size=1", "/v1/log/proof/consistency?from=3&to=2",
                "/v1/log/proof/consistency?from=0&to=" + (size + 1000), "/v1/log/proof/consistency?to=1")) {
            assertProblem(owner.get(bad), 400, "invalid-request");
        }
    }

    @Test
    void anAuthenticatedRefusalLogsABoundedPath() throws Exception {
        long before = logSize();
        String longId = "cvm-" + "0".repeat(7000);
        assertProblem(owner.signed("DELETE", "/v1/cvms/" + longId, null), 404, "unknown-cvm");
        assertLoggedRefusal(before, "unknown-cvm", "no CVM in the list is named cvm-0000");
        Payload.RequestRefused payload = TestOwner.payload(lastEntry(), Payload.RequestRefused.class);
        assertThat(payload.path()).hasSize(256).startsWith("/v1/cvms/cvm-0000");
        assertThat(payload.reason().length()).isLessThanOrEqualTo(256);
        assertThat(lastEntry().has("subject")).isFalse();
    }

    @Test
    void deleteWithABodyIsInvalid() throws Exception {
        assertProblem(owner.signed("DELETE", "/v1/cvms/" + cvm, "{}"), 400, "invalid-request");
        assertThat(mode()).isIn("in-update", "in-service");
    }

    @Test
    void aBracketedHostIsRefusedInOurWordsBeforeAnyConnection() throws Exception {
        String body = adoptBody(sshd.hostPublicKey()).replace("\"host\":\"127.0.0.1\"", "\"host\":\"[::1]\"");
        assertThat(body).contains("[::1]");
        TestOwner.Reply refused = owner.signed("POST", "/v1/cvms", body);
        assertProblem(refused, 400, "invalid-request");
        assertThat(refused.body().path("detail").asText()).contains("without brackets");
        String hugePort = adoptBody(sshd.hostPublicKey()).replaceFirst("\"port\":[0-9]+", "\"port\":1099511627776");
        TestOwner.Reply outOfRange = owner.signed("POST", "/v1/cvms", hugePort);
        assertProblem(outOfRange, 400, "invalid-request");
        assertThat(outOfRange.body().path("detail").asText()).contains("$.ssh.port is out of range").doesNotContain("got an integer");
        String withAzure = adoptBody(sshd.hostPublicKey()).replaceFirst("\"ssh\":", "\"azure\":{\"tee\":\"snp\"},\"ssh\":");
        TestOwner.Reply ignoredMember = owner.signed("POST", "/v1/cvms", withAzure);
        assertProblem(ignoredMember, 400, "invalid-request");
        assertThat(ignoredMember.body().path("detail").asText()).contains("takes no \"azure\" object");
    }

    /** An owner's signing key pasted as the bootstrap key would become a machine's login key: refused before any adoption, the key not logged. */
    @Test
    void anOwnersSigningKeyIsRefusedAsABootstrapKey() throws Exception {
        String pem = owner.key.toPem();
        String pkcs8Only = pem.substring(0, pem.indexOf("-----BEGIN PUBLIC KEY-----"));
        for (String key : List.of(pem, pkcs8Only)) {
            long before = logSize();
            ObjectNode body = (ObjectNode) TestOwner.JSON.readTree(adoptBody(sshd.hostPublicKey()));
            ((ObjectNode) body.get("ssh")).put("bootstrap_private_key", key);
            TestOwner.Reply refused = owner.signed("POST", "/v1/cvms", body.toString());
            assertProblem(refused, 400, "invalid-request");
            assertThat(refused.body().path("detail").asText()).contains("is a registered owner key");
            assertLoggedRefusal(before, "invalid-request", "is a registered owner key");
            assertThat(lastEntry().toString()).doesNotContain("PRIVATE KEY").doesNotContain(pem.substring(28, 60));
        }
    }

    @Test
    void adoptingAServerWithTheWrongHostKeyFailsTheCvmAndLogsWhy() throws Exception {
        String other = dev.duet.provisioner.ssh.SshKeys.openSshPublicKey(dev.duet.provisioner.ssh.SshKeys.generateEd25519().getPublic());
        TestOwner.Reply created = owner.signed("POST", "/v1/cvms", adoptBody(other));
        assertThat(created.status()).isEqualTo(202);
        String id = created.body().path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode state;
        do {
            Thread.sleep(50);
            state = owner.get("/v1/cvms/" + id).body().path("payload");
        } while ("provisioning".equals(state.path("cvm").path("mode").asText()) && System.nanoTime() < deadline);
        assertThat(state.path("cvm").path("mode").asText()).isEqualTo("failed");
        assertThat(state.path("cvm").path("reason").asText()).contains("host key mismatch");
        JsonNode entries = owner.get("/v1/cvms/" + id + "/entries").body().path("entries");
        assertThat(entries.get(entries.size() - 1).path("kind").asText()).isEqualTo(EntryKind.CVM_FAILED.wire());
        assertProblem(owner.signed("POST", "/v1/cvms/" + id + "/commands", "{\"argv\":[\"id\"]}"), 409, "mode-forbids");
        assertProblem(owner.signed("PUT", "/v1/cvms/" + id + "/mode", modeBody()), 409, "conflict");
    }

    @Test
    void readsNeedNoAuthenticationAndNeverLeakKeys() throws Exception {
        for (String path : List.of("/healthz", "/v1/controller/evidence", "/v1/cvms", "/v1/cvms/" + cvm, "/v1/log/entries")) {
            TestOwner.Reply reply = owner.get(path);
            assertThat(reply.status()).as(path).isEqualTo(200);
            assertThat(reply.contentType()).startsWith("application/json");
            assertThat(reply.raw()).doesNotContain("PRIVATE KEY").doesNotContain("bootstrap_private_key");
        }
    }
}
