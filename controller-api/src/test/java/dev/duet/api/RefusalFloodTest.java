package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.EntryKind;
import dev.duet.protocol.OwnerRequestSignature;
import dev.duet.provisioner.testing.OpenSshServer;
import dev.duet.protocol.entry.Payload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of anonymous owner requests naming a real CVM, a third of them with 7.6 kB paths: they are
 * rate-limited, they never touch the CVM's own chain, and the log records them as a summary.
 */
class RefusalFloodTest {
    static final int FLOOD = 3000;
    @TempDir Path dir;

    @Test
    void anAnonymousFloodIsRateLimitedSummarisedAndLeavesTheCvmAlone() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            JsonNode cvmLogBefore;
            long logBefore;
            String cvm;
            try (RunningController running = RunningController.start(data, List.of(key.publicKey()))) {
                TestOwner owner = new TestOwner(running.port(), key);
                cvm = owner.adopt(sshd);
                cvmLogBefore = owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm_log");
                logBefore = ApiRefusalTest.logSizeOf(owner);

                String modePath = "/v1/cvms/" + cvm + "/mode";
                String longPath = "/v1/cvms/" + cvm + "%2F" + "a".repeat(7600);
                String commandPath = "/v1/cvms/" + cvm + "/commands";
                byte[] command = "{\"argv\":[\"touch\",\"/tmp/flooded\"]}".getBytes(StandardCharsets.UTF_8);
                Map<String, String> forged = new java.util.HashMap<>(OwnerRequestSignature.sign(key, running.keyId(), "POST", commandPath, null,
                        "{}".getBytes(StandardCharsets.UTF_8), Instant.now().getEpochSecond()));
                String sig = forged.get("Signature");
                forged.put("Signature", sig.substring(0, 10) + (sig.charAt(10) == 'A' ? 'B' : 'A') + sig.substring(11));

                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
                List<String> retryAfter = java.util.Collections.synchronizedList(new ArrayList<>());
                Semaphore inFlight = new Semaphore(12);
                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (int i = 0; i < FLOOD; i++) {
                    HttpRequest.Builder b = switch (i % 3) {
                        case 0 -> HttpRequest.newBuilder(URI.create(running.url() + modePath)).header("Content-Type", "application/json")
                                .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"in-service\"}"));
                        case 1 -> HttpRequest.newBuilder(URI.create(running.url() + longPath)).DELETE();
                        default -> {
                            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(running.url() + commandPath))
                                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(command));
                            forged.forEach(post::header);
                            yield post;
                        }
                    };
                    inFlight.acquire();
                    sent.add(http.sendAsync(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString())
                            .whenComplete((r, e) -> {
                                inFlight.release();
                                int status = e != null ? -1 : r.statusCode();
                                statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                                if (status == 429) {
                                    r.headers().firstValue("Retry-After").ifPresent(retryAfter::add);
                                }
                            }));
                    if (i == FLOOD / 2) {
                        TestOwner.Reply valid = owner.signed("PUT", modePath, "{\"mode\":\"in-update\"}");
                        assertThat(valid.status()).as("a valid owner request is never rate-limited: " + valid.raw()).isEqualTo(200);
                    }
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();

                assertThat(statuses.keySet()).as(statuses.toString()).containsOnly(401, 429);
                assertThat(statuses.get(429).get()).as(statuses.toString()).isGreaterThan(FLOOD / 2);
                assertThat(retryAfter).isNotEmpty().allSatisfy(s -> assertThat(Integer.parseInt(s)).isPositive());

                JsonNode cvmLogAfter = owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm_log");
                assertThat(cvmLogAfter.path("size")).isEqualTo(cvmLogBefore.path("size"));
                assertThat(cvmLogAfter.path("head")).isEqualTo(cvmLogBefore.path("head"));
            }

            try (RunningController reopened = RunningController.start(data, List.of())) {
                TestOwner reader = new TestOwner(reopened.port(), key);
                List<JsonNode> entries = EndToEndTest.entries(reader);
                List<JsonNode> added = entries.subList((int) logBefore, entries.size());
                assertThat(added).as("the flood is summarised, not logged request by request").hasSizeBetween(1, 2)
                        .allSatisfy(e -> {
                            assertThat(e.path("kind").asText()).isEqualTo(EntryKind.UNAUTHENTICATED_REFUSALS.wire());
                            assertThat(e.has("subject")).isFalse();
                        });
                long counted = 0;
                for (JsonNode summary : added) {
                    Payload.UnauthenticatedRefusals payload = TestOwner.payload(summary, Payload.UnauthenticatedRefusals.class);
                    counted += payload.count();
                    assertThat(payload.byReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(payload.count());
                    Payload.RefusalSample sample = payload.sample();
                    assertThat(sample.method()).isIn("PUT", "POST", "DELETE");
                    assertThat(sample.path().length()).isLessThanOrEqualTo(256);
                    assertThat(sample.source()).isEqualTo("127.0.0.1");
                    assertThat(encodedSize(summary)).isLessThan(2048);
                }
                assertThat(counted).isEqualTo(FLOOD);
                JsonNode state = reader.get("/v1/cvms/" + cvm).body().path("payload").path("cvm_log");
                assertThat(state.path("size")).isEqualTo(cvmLogBefore.path("size"));
                assertThat(EndToEndTest.chain(entries)).isInstanceOf(dev.duet.log.ChainVerdict.Intact.class);

                Path pinned = dir.resolve("controller.pub");
                Files.writeString(pinned, reopened.controller.signingKey().toPem());
                Path export = dir.resolve("log.json");
                assertThat(EndToEndTest.cli("log", "export", "--controller", reopened.url(), "--out", export.toString()).exit()).isZero();
                EndToEndTest.CliRun verified = EndToEndTest.cli("log", "verify-export", export.toString(), "--controller-key", pinned.toString());
                assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
                EndToEndTest.CliRun trusted = EndToEndTest.cli("verify-state", "--controller", reopened.url(), "--allow-no-tee",
                        "--state-dir", dir.resolve("state").toString(), cvm);
                assertThat(trusted.exit()).as(trusted.out() + trusted.err()).isZero();
            }
        }
    }

    /** Encoded size of an entry as served: what one summary costs on disk. */
    static int encodedSize(JsonNode entry) throws Exception {
        return dev.duet.log.EntryCodec.encode(dev.duet.log.EntryCodec.fromJson(entry)).length;
    }
}
