package dev.duet.api;

import static dev.duet.api.ApiRefusalTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An owner's files (issue 12, item 2) through a real controller over HTTP, written and read over
 * SFTP on Debian's real sshd and sftp-server: what lands, what is logged, and what the policy in
 * force refuses. The CVM's policy is put in the policies table directly, as the policy routes
 * (another part of issue 12) would store it.
 */
class FileTransferTest {
    @TempDir Path dir;

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String upload(String path, String mode, byte[] content) {
        ObjectNode body = TestOwner.JSON.createObjectNode().put("path", path).put("content", Base64.getEncoder().encodeToString(content));
        if (mode != null) {
            body.put("mode", mode);
        }
        return body.toString();
    }

    private static TestOwner.Reply read(TestOwner owner, String cvm, String path) throws Exception {
        return owner.signed("GET", "/v1/cvms/" + cvm + "/files?path=" + java.net.URLEncoder.encode(path, StandardCharsets.UTF_8), null);
    }

    private static List<JsonNode> entries(TestOwner owner, String cvm) throws Exception {
        List<JsonNode> all = new ArrayList<>();
        owner.get("/v1/cvms/" + cvm + "/entries").body().path("entries").forEach(all::add);
        return all;
    }

    private static JsonNode entry(TestOwner owner, String cvm, long seq) throws Exception {
        return entries(owner, cvm).stream().filter(e -> e.path("seq").asLong() == seq).findFirst().orElseThrow();
    }

    private static JsonNode last(TestOwner owner, String cvm) throws Exception {
        List<JsonNode> all = entries(owner, cvm);
        return all.get(all.size() - 1);
    }

    /** Sets {@code policyJson} as the CVM's policy in force, through the owner's policy route. */
    private static void setPolicy(TestOwner owner, String cvm, String policyJson) throws Exception {
        TestOwner.Reply set = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", policyJson);
        assertThat(set.status()).as(set.body().toString()).isEqualTo(200);
    }

    private static List<String> names(Path directory) throws Exception {
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anUploadLandsWithItsModeIsLoggedWithHashAndSizeAndReadsBack() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path files = Files.createDirectories(dir.resolve("files"));
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String route = "/v1/cvms/" + cvm + "/files";

            byte[] small = "listen = 8080\n".getBytes(StandardCharsets.UTF_8);
            Path conf = files.resolve("app.conf");
            TestOwner.Reply written = owner.signed("POST", route, upload(conf.toString(), "0640", small));
            assertThat(written.status()).as(written.raw()).isEqualTo(200);
            assertThat(Files.readAllBytes(conf)).isEqualTo(small);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(conf))).isEqualTo("rw-r-----");
            assertThat(written.body().path("sha256").asText()).isEqualTo(sha256(small));
            assertThat(written.body().path("bytes").asLong()).isEqualTo(small.length);
            Payload.FileWriteStarted started = TestOwner.payload(entry(owner, cvm, written.body().path("started_index").asLong()),
                    Payload.FileWriteStarted.class);
            assertThat(started.path()).isEqualTo(conf.toString());
            assertThat(started.permissions()).isEqualTo("0640");
            assertThat(started.bytes()).isEqualTo(small.length);
            assertThat(started.sha256()).isEqualTo(sha256(small));
            assertThat(started.rule()).isEqualTo("default:in-update");
            assertThat(started.content()).as("content below log_content_below_bytes is logged").contains(Base64.getEncoder().encodeToString(small));
            JsonNode completed = entry(owner, cvm, written.body().path("completed_index").asLong());
            assertThat(completed.path("kind").asText()).isEqualTo(EntryKind.FILE_WRITE_COMPLETED.wire());
            assertThat(TestOwner.payload(completed, Payload.FileWriteCompleted.class).transferId()).isEqualTo(started.transferId());

            byte[] atLimit = new byte[1 << 20];
            new Random(3).nextBytes(atLimit);
            Path blob = files.resolve("blob.bin");
            TestOwner.Reply large = owner.signed("POST", route, upload(blob.toString(), null, atLimit));
            assertThat(large.status()).as("the body limit admits the default max_upload_bytes in base64: " + large.raw()).isEqualTo(200);
            assertThat(Files.readAllBytes(blob)).isEqualTo(atLimit);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("rw-r--r--");
            Payload.FileWriteStarted largeStarted = TestOwner.payload(entry(owner, cvm, large.body().path("started_index").asLong()),
                    Payload.FileWriteStarted.class);
            assertThat(largeStarted.content()).as("content at or above log_content_below_bytes is not logged").isEmpty();
            assertThat(largeStarted.sha256()).isEqualTo(sha256(atLimit));

            TestOwner.Reply tooLarge = owner.signed("POST", route, upload(files.resolve("big.bin").toString(), null, new byte[(1 << 20) + 1]));
            assertProblem(tooLarge, 403, "policy-denies");
            Payload.RequestRefused refused = TestOwner.payload(last(owner, cvm), Payload.RequestRefused.class);
            assertThat(refused.rule()).contains("limit:max-upload-bytes");
            assertThat(refused.file()).contains(files.resolve("big.bin").toString());
            assertThat(names(files)).containsExactly("app.conf", "blob.bin");

            TestOwner.Reply back = read(owner, cvm, conf.toString());
            assertThat(back.status()).as(back.raw()).isEqualTo(200);
            assertThat(Base64.getDecoder().decode(back.body().path("content").asText())).isEqualTo(small);
            assertThat(back.body().path("sha256").asText()).isEqualTo(sha256(small));
            Payload.FileRead logged = TestOwner.payload(entry(owner, cvm, back.body().path("log_index").asLong()), Payload.FileRead.class);
            assertThat(logged.path()).isEqualTo(conf.toString());
            assertThat(logged.sha256()).isEqualTo(sha256(small));
            assertThat(logged.bytes()).isEqualTo(small.length);
            assertThat(logged.rule()).isEqualTo("default:in-update");
            assertProblem(read(owner, cvm, files.resolve("missing").toString()), 409, "conflict");
            assertProblem(read(owner, cvm, files + "/../etc/passwd"), 400, "invalid-request");
            // One spelling per content, and the refusal in our words, not the JDK's ("Illegal base64 character 20").
            for (String notCanonical : List.of("aGVs bG8=", "aGVsbG8=\\n", "aGVsbG9=", "aGVsbG8", "aGVsbG8==")) {
                TestOwner.Reply notBase64 = owner.signed("POST", route, "{\"path\":\"" + files.resolve("b64") + "\",\"content\":\""
                        + notCanonical + "\"}");
                assertProblem(notBase64, 400, "invalid-request");
                assertThat(notBase64.body().path("detail").asText()).as(notCanonical).contains("canonical base64").doesNotContain("Illegal");
            }
            assertThat(names(files)).doesNotContain("b64");

            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);
            assertProblem(owner.signed("POST", route, upload(conf.toString(), null, "changed\n".getBytes(StandardCharsets.UTF_8))), 409,
                    "mode-forbids");
            Payload.RequestRefused inService = TestOwner.payload(last(owner, cvm), Payload.RequestRefused.class);
            assertThat(inService.rule()).contains("default:in-service");
            assertThat(inService.file()).contains(conf.toString());
            assertThat(Files.readAllBytes(conf)).isEqualTo(small);
            assertProblem(read(owner, cvm, conf.toString()), 409, "mode-forbids");
        }
    }

    @Test
    void thePolicyInForceDecidesWhichPathsMayBeWrittenAndRead() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path allowed = Files.createDirectories(dir.resolve("app"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("secret"), "not for the owner\n");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String route = "/v1/cvms/" + cvm + "/files";
            setPolicy(owner, cvm, "{\"rules\":["
                    + "{\"id\":\"app-files\",\"effect\":\"allow\",\"modes\":[\"in-update\"],\"write\":\"" + allowed + "/**\"},"
                    + "{\"id\":\"no-other-files\",\"effect\":\"deny\",\"modes\":[\"in-update\"],\"write\":\"/**\"},"
                    + "{\"id\":\"read-app\",\"effect\":\"allow\",\"modes\":[\"in-update\",\"in-service\"],\"read\":\"" + allowed + "/*\"},"
                    + "{\"id\":\"no-reads\",\"effect\":\"deny\",\"modes\":[\"in-update\",\"in-service\"],\"read\":\"/**\"}],"
                    + "\"max_upload_bytes\":1000,\"log_content_below_bytes\":0,\"on_leaving_service\":[]}");

            TestOwner.Reply outside = owner.signed("POST", route, upload(other.resolve("planted").toString(), null, new byte[10]));
            assertProblem(outside, 403, "policy-denies");
            assertThat(outside.body().path("detail").asText()).contains("no-other-files");
            Payload.RequestRefused refused = TestOwner.payload(last(owner, cvm), Payload.RequestRefused.class);
            assertThat(refused.rule()).contains("no-other-files");
            assertThat(refused.file()).contains(other.resolve("planted").toString());
            assertThat(refused.refusal()).isEqualTo("policy-denies");
            assertThat(names(other)).containsExactly("secret");

            byte[] content = "ok\n".getBytes(StandardCharsets.UTF_8);
            TestOwner.Reply inside = owner.signed("POST", route, upload(allowed.resolve("app.conf").toString(), "0600", content));
            assertThat(inside.status()).as(inside.raw()).isEqualTo(200);
            Payload.FileWriteStarted started = TestOwner.payload(entry(owner, cvm, inside.body().path("started_index").asLong()),
                    Payload.FileWriteStarted.class);
            assertThat(started.rule()).isEqualTo("app-files");
            assertThat(started.content()).as("log_content_below_bytes 0 logs no content").isEmpty();

            // What an owner allowed to run 'ln -s' could plant: a directory the policy allows that leads where it denies.
            Files.createSymbolicLink(allowed.resolve("escape"), other);
            TestOwner.Reply throughLink = owner.signed("POST", route, upload(allowed.resolve("escape/planted").toString(), null, content));
            assertProblem(throughLink, 409, "conflict");
            assertThat(throughLink.body().path("detail").asText()).contains("reached through a symbolic link");
            List<JsonNode> history = entries(owner, cvm);
            assertThat(history.subList(history.size() - 3, history.size())).extracting(e -> e.path("kind").asText())
                    .as("started, failed, and the refusal of the request").containsExactly("file.write-started", "file.write-failed",
                            "request.refused");
            assertThat(TestOwner.payload(history.get(history.size() - 2), Payload.FileWriteFailed.class).reason()).contains("symbolic link");
            assertThat(names(other)).as("nothing lands where the link leads").containsExactly("secret");
            TestOwner.Reply bundle = owner.get("/v1/cvms/" + cvm + "/bundle");
            assertThat(dev.duet.protocol.bundle.BundleVerifier.verify(bundle.raw().getBytes(StandardCharsets.UTF_8),
                    new dev.duet.protocol.bundle.BundleTrust(dev.duet.attestation.ControllerEvidenceVerifier.Trust.vendorRoots(),
                            dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(),
                            java.util.Optional.empty(), java.util.Optional.empty(), java.time.Instant.now())).failures())
                    .as("the refused write replays as allowed, begun and failed").extracting(g -> g.check().id())
                    .doesNotContain("lifecycle", "governance");

            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);
            TestOwner.Reply back = read(owner, cvm, allowed.resolve("app.conf").toString());
            assertThat(back.status()).as("a read rule allows reading in-service: " + back.raw()).isEqualTo(200);
            assertThat(TestOwner.payload(entry(owner, cvm, back.body().path("log_index").asLong()), Payload.FileRead.class).rule())
                    .isEqualTo("read-app");

            TestOwner.Reply denied = read(owner, cvm, other.resolve("secret").toString());
            assertProblem(denied, 403, "policy-denies");
            Payload.RequestRefused deniedRead = TestOwner.payload(last(owner, cvm), Payload.RequestRefused.class);
            assertThat(deniedRead.rule()).contains("no-reads");
            assertThat(deniedRead.file()).contains(other.resolve("secret").toString());
            assertThat(denied.raw()).doesNotContain("not for the owner");

            assertProblem(owner.signed("POST", route, upload(allowed.resolve("app.conf").toString(), null, new byte[1])), 409, "mode-forbids");
            assertThat(TestOwner.payload(last(owner, cvm), Payload.RequestRefused.class).rule()).contains("default:in-service");
            assertThat(Files.readAllBytes(allowed.resolve("app.conf"))).isEqualTo(content);
        }
    }

    @Test
    void anUploadWhoseSessionDiesMidwayLeavesNothingBehindAndIsLoggedAsFailed() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path files = Files.createDirectories(dir.resolve("files"));
        Path conf = Files.writeString(files.resolve("app.conf"), "old\n");
        RequestLimits roomy = new RequestLimits(64 << 20, Duration.ofSeconds(30), 16 * 1024, Duration.ofSeconds(60), Duration.ofSeconds(10),
                4096, 32, 8, 2, new RequestLimits.Rate(1, 30), new RequestLimits.Rate(100, 300), 4096, Duration.ofSeconds(60));
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()), roomy)) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            setPolicy(owner, cvm, "{\"rules\":[],\"max_upload_bytes\":" + (40 << 20)
                    + ",\"log_content_below_bytes\":4096,\"on_leaving_service\":[]}");
            byte[] content = new byte[40 << 20];
            new Random(5).nextBytes(content);
            // The session dies once the temporary file is there, while the content is being written to it.
            CompletableFuture<String> killer = CompletableFuture.supplyAsync(() -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    try {
                        for (String name : names(files)) {
                            if (name.startsWith(".duet-upload-") && Files.size(files.resolve(name)) > 0) {
                                sshd.killSessions();
                                return name;
                            }
                        }
                    } catch (Exception e) {
                        // The temporary file went away between listing and measuring it; look again.
                    }
                }
                return null;
            });
            TestOwner.Reply broken = owner.signed("POST", "/v1/cvms/" + cvm + "/files", upload(conf.toString(), null, content));
            assertThat(killer.get()).as("the session was killed midway").isNotNull();
            assertProblem(broken, 502, "target-failed");
            assertThat(Files.readString(conf)).as("the path keeps its old content").isEqualTo("old\n");
            assertThat(names(files)).as("no temporary file remains").containsExactly("app.conf");
            List<JsonNode> all = entries(owner, cvm);
            Payload.FileWriteStarted started = TestOwner.payload(all.get(all.size() - 2), Payload.FileWriteStarted.class);
            assertThat(started.sha256()).isEqualTo(sha256(content));
            Payload.FileWriteFailed failed = TestOwner.payload(all.get(all.size() - 1), Payload.FileWriteFailed.class);
            assertThat(failed.transferId()).isEqualTo(started.transferId());
            assertThat(failed.reason()).contains("the temporary file was removed over a new session");

            TestOwner.Reply again = owner.signed("POST", "/v1/cvms/" + cvm + "/files", upload(conf.toString(), null, new byte[] {'n', 'e', 'w'}));
            assertThat(again.status()).as("the next write works over a new session: " + again.raw()).isEqualTo(200);
            assertThat(Files.readString(conf)).isEqualTo("new");
        }
    }

    @Test
    void duetPutAndGetMoveFilesAndCheckTheControllersHashes() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(EndToEndTest.cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        Path files = Files.createDirectories(dir.resolve("files"));
        byte[] content = new byte[70_000];
        new Random(7).nextBytes(content);
        Path local = Files.write(dir.resolve("local.bin"), content);
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            EndToEndTest.CliRun adopt = EndToEndTest.adopt(running.url(), ownerKey, "files", sshd);
            assertThat(adopt.exit()).as(adopt.err()).isZero();
            String[] as = {"--controller", running.url(), "--key", ownerKey.toString()};
            String remote = files.resolve("app.bin").toString();

            EndToEndTest.CliRun put = EndToEndTest.cli(concat(concat(new String[] {"put"}, as), "--mode", "0600", "files", local.toString(), remote));
            assertThat(put.exit()).as(put.err()).isZero();
            assertThat(put.out()).contains(remote + " written on files: 70000 bytes, mode 0600, sha256 " + sha256(content));
            assertThat(Files.readAllBytes(Path.of(remote))).isEqualTo(content);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(remote)))).isEqualTo("rw-------");

            Path got = dir.resolve("got.bin");
            EndToEndTest.CliRun get = EndToEndTest.cli(concat(concat(new String[] {"get"}, as), "--out", got.toString(), "files", remote));
            assertThat(get.exit()).as(get.err()).isZero();
            assertThat(Files.readAllBytes(got)).isEqualTo(content);
            assertThat(get.out()).contains(remote + " read from files: 70000 bytes, sha256 " + sha256(content));

            EndToEndTest.CliRun toStdout = EndToEndTest.cli(concat(concat(new String[] {"get"}, as), "files", remote));
            assertThat(toStdout.exit()).as(toStdout.err()).isZero();
            assertThat(toStdout.err()).startsWith("[duet] " + remote + " read from files");

            Path tooLarge = Files.write(dir.resolve("large.bin"), new byte[2 << 20]);
            TestOwner reader = new TestOwner(running.port(), owner);
            long before = ApiRefusalTest.logSizeOf(reader);
            EndToEndTest.CliRun overLimit = EndToEndTest.cli(concat(concat(new String[] {"put"}, as), "files", tooLarge.toString(), remote));
            assertThat(overLimit.exit()).isNotZero();
            // The controller's 413 reaches the CLI or, when the close overtakes it, the CLI says why the connection closed.
            assertThat(overLimit.err()).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(overLimit.err().lines().findFirst().orElse("")).satisfiesAnyOf(
                    err -> assertThat(err).startsWith("duet: controller refused (413 body-too-large): "),
                    err -> assertThat(err).contains("refuses request bodies over its limit (1572864 bytes"));
            assertThat(ApiRefusalTest.logSizeOf(reader)).isEqualTo(before);
            assertThat(Files.readAllBytes(Path.of(remote))).isEqualTo(content);

            assertThat(EndToEndTest.cli(concat(concat(new String[] {"mode"}, as), "files", "in-service")).exit()).isZero();
            EndToEndTest.CliRun refused = EndToEndTest.cli(concat(concat(new String[] {"put"}, as), "files", local.toString(), remote));
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).startsWith("duet: controller refused (409 mode-forbids): ").contains("default:in-service");
            assertThat(refused.err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
