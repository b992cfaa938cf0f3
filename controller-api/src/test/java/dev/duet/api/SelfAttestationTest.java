package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.EvidenceVerdict;
import dev.duet.protocol.EvidenceVerifier;
import dev.duet.protocol.StrictJson;
import dev.duet.provisioner.attest.LocalTsmFs;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's own evidence (issue 11 item 1) over real HTTP on loopback, checked by the CLI:
 * {@code serve --attestation simulated-snp} is attested only for a user who trusts the simulated root;
 * {@code tsm} reads reports from a configfs-tsm directory, binds the key and the nonce, and refuses
 * to serve when the entry's generation moves.
 */
class SelfAttestationTest {
    @TempDir Path dir;

    private static Controller open(Path data, SelfAttestation attestation) throws IOException {
        return Controller.open(ControllerConfig.defaults(data, List.of(Ed25519KeyPair.generate().publicKey())),
                d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), attestation);
    }

    @Test
    void simulatedSnpEvidenceIsAttestedOnlyForAUserWhoTrustsTheSimulatedRoot() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path ownerPub = dir.resolve("owner.pub");
        Files.writeString(ownerPub, owner.publicKey().toPem());
        ChildController controller = ChildController.start(dir, dir.resolve("data"), ownerPub, "--qemu", "off", "--attestation",
                "simulated-snp");
        try {
            String url = "http://127.0.0.1:" + controller.port();
            String ark = ControllerEvidenceVerifier.fingerprint(
                    dev.duet.attestation.Octets.copyOf(SimulatedSnp.open(dir.resolve("data").resolve("simulated-snp")).arkDer())).hex();
            assertThat(controller.startup()).anySatisfy(line -> assertThat(line).contains("simulated ARK SHA-256 " + ark));
            EndToEndTest.CliRun refused = cli("evidence", "--controller", url);
            assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(1);
            assertThat(refused.out()).contains("tee: sev-snp").contains("FAIL " + ControllerEvidenceVerifier.SIMULATED_CHECK)
                    .contains("ok   policy.report-data").contains("ok   snp.signature").contains("ARK SHA-256 " + ark);
            assertThat(refused.err()).contains("SIMULATED").contains("fingerprint");
            EndToEndTest.CliRun another = cli("evidence", "--trust-simulated-root", "00".repeat(32), "--controller", url);
            assertThat(another.exit()).as(another.out() + another.err()).isEqualTo(1);
            assertThat(another.err()).contains(ControllerEvidenceVerifier.SIMULATED_CHECK).contains("another root");

            Path export = dir.resolve("export.json");
            EndToEndTest.CliRun exported = cli("log", "export", "--controller", url, "--out", export.toString());
            assertThat(exported.exit()).as(exported.out() + exported.err()).isZero();
            assertThat(exported.out()).doesNotContain("--trust-simulated-root").contains("NOT ATTESTED: "
                    + ControllerEvidenceVerifier.SIMULATED_CHECK);

            EndToEndTest.CliRun trusted = cli("evidence", "--trust-simulated-root", ark, "--controller", url);
            assertThat(trusted.exit()).as(trusted.out() + trusted.err()).isZero();
            assertThat(trusted.out()).contains("attested (SIMULATED)").contains("proves nothing about hardware");

            EndToEndTest.CliRun owners = cli("owners", "--trust-simulated-root", ark, "--controller", url, "--key", ownerPub.toString(),
                    "--state-dir", dir.resolve("state").toString());
            assertThat(owners.exit()).as(owners.out() + owners.err()).isZero();
            assertThat(owners.out()).startsWith("SIMULATED: the controller key is attested only by duet's simulated SNP root");
            EndToEndTest.CliRun noFlag = cli("owners", "--controller", url, "--key", ownerPub.toString(), "--state-dir",
                    dir.resolve("state").toString());
            assertThat(noFlag.exit()).isEqualTo(1);
            assertThat(noFlag.out() + noFlag.err()).contains(ControllerEvidenceVerifier.SIMULATED_CHECK);

            TestOwner http = new TestOwner(controller.port(), null);
            JsonNode payload = http.get("/v1/controller/evidence?nonce=abc").body().path("payload");
            assertThat(payload.path("warning").asText()).startsWith("SIMULATED");
            assertThat(payload.at("/attestation/provider").asText()).isEqualTo("simulated-snp");
            assertThat(payload.at("/attestation/simulated").asBoolean()).isTrue();

            String replayed = http.get("/v1/controller/evidence?nonce=old").raw();
            HttpServer middle = serveAlways(replayed);
            try {
                EndToEndTest.CliRun stale = cli("evidence", "--trust-simulated-root", ark, "--controller", "http://127.0.0.1:"
                        + middle.getAddress().getPort());
                assertThat(stale.exit()).isEqualTo(1);
                assertThat(stale.err()).contains("not fresh");
            } finally {
                middle.stop(0);
            }
        } finally {
            controller.kill();
        }
    }

    @Test
    void evidenceWithoutANonceIsReissuedAtMostOnceASecondAndEachNonceGetsItsOwnReport() throws Exception {
        try (Controller controller = open(dir.resolve("data"), SelfAttestation.simulatedSnp(SimulatedSnp.open(dir.resolve("chip"))))) {
            ObjectNode first = controller.evidence(Optional.empty());
            assertThat(controller.evidence(Optional.empty())).isEqualTo(first);
            String a = controller.evidence(Optional.of("a")).at("/payload/attestation/report").asText();
            String b = controller.evidence(Optional.of("a")).at("/payload/attestation/report").asText();
            assertThat(a).isNotEqualTo(b).isNotEqualTo(first.at("/payload/attestation/report").asText());
        }
    }

    @Test
    void tsmEvidenceBindsTheKeyAndNonceAndChainsOnlyToTheRootThatSignedIt() throws Exception {
        SimulatedSnp chip = SimulatedSnp.open(dir.resolve("chip"));
        FakeTsmKernel kernel = new FakeTsmKernel(dir.resolve("tsm/report"), chip);
        try (Controller controller = open(dir.resolve("data"), SelfAttestation.tsm(kernel));
                ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0)) {
            String url = "http://127.0.0.1:" + server.port();
            EndToEndTest.CliRun cliRun = cli("evidence", "--trust-simulated-root", "00".repeat(32), "--controller", url);
            assertThat(cliRun.exit()).as(cliRun.out() + cliRun.err()).isEqualTo(1);
            assertThat(cliRun.out()).contains("tee: sev-snp").contains("ok   policy.report-data").contains("ok   snp.signature")
                    .contains("FAIL snp.chain");
            assertThat(Files.list(dir.resolve("tsm/report"))).as("every report entry removed").isEmpty();

            TestOwner http = new TestOwner(server.port(), null);
            byte[] document = http.get("/v1/controller/evidence?nonce=n7").raw().getBytes(StandardCharsets.UTF_8);
            assertThat(StrictJson.read(document).at("/payload/attestation/simulated").asBoolean(true)).isFalse();
            ControllerEvidenceVerifier.Trust unpinned = new ControllerEvidenceVerifier.Trust(
                    new AttestationVerifier(chip.trust(), IntelTrust.intel(), SignatureCache.none()), Optional.empty(), java.util.Set.of());
            ControllerEvidenceVerdict withoutMeasurement = EvidenceVerifier.verify(StrictJson.read(document), Optional.of("n7"), unpinned,
                    Instant.now()).facts().orElseThrow().attestation();
            assertThat(withoutMeasurement).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
            assertThat(withoutMeasurement.reason()).startsWith(ControllerEvidenceVerifier.MEASUREMENT_CHECK)
                    .contains("--controller-measurement");
            String measurement = withoutMeasurement.checks().stream().filter(c -> c.id().equals(ControllerEvidenceVerifier.MEASUREMENT_CHECK))
                    .findFirst().orElseThrow().actual();
            ControllerEvidenceVerifier.Trust chipRoot = unpinned.acceptingMeasurements(java.util.Set.of(
                    dev.duet.attestation.Octets.fromHex(measurement)));
            EvidenceVerdict verdict = EvidenceVerifier.verify(StrictJson.read(document), Optional.of("n7"), chipRoot, Instant.now());
            assertThat(verdict.facts().orElseThrow().attestation()).as(verdict.facts().get().attestation().reason())
                    .isInstanceOfSatisfying(ControllerEvidenceVerdict.Attested.class, a -> assertThat(a.simulated()).isFalse());
            EvidenceVerdict replay = EvidenceVerifier.verify(StrictJson.read(document), Optional.of("n8"), chipRoot, Instant.now());
            assertThat(replay.failures()).extracting(Check::id).containsExactly("freshness");

            kernel.racing = true;
            TestOwner.Reply raced = http.get("/v1/controller/evidence?nonce=n9");
            ApiRefusalTest.assertProblem(raced, 503, "attestation-unavailable");
            assertThat(raced.body().path("detail").asText()).isEqualTo("the controller's attestation gave no report; its log says why");
            assertThat(raced.raw()).doesNotContain("generation").doesNotContain(dir.toString());
            assertThat(raced.raw()).doesNotContain("signature");
            assertThat(Files.list(dir.resolve("tsm/report"))).isEmpty();
        }
    }

    /** Each nonce costs a hardware report: one at a time, and a request that finds one under way gets 503 and Retry-After at once. */
    @Test
    void oneReportAtATimeAndTheNextRequestIsToldToRetry() throws Exception {
        SelfAttestation chip = SelfAttestation.simulatedSnp(SimulatedSnp.open(dir.resolve("chip")));
        java.util.concurrent.CountDownLatch inReport = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        SelfAttestation slow = new SelfAttestation(chip.name(), chip.tee(), true, Optional.of(reportData -> {
            inReport.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return chip.report(reportData).orElseThrow();
        }));
        try (Controller controller = open(dir.resolve("data"), slow);
                ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0)) {
            TestOwner http = new TestOwner(server.port(), null);
            java.util.concurrent.CompletableFuture<TestOwner.Reply> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return http.get("/v1/controller/evidence?nonce=first");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(inReport.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            java.net.http.HttpResponse<String> busy = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/controller/evidence?nonce=second"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).contains("1");
            assertThat(busy.body()).contains("attestation-unavailable").contains("another report");
            release.countDown();
            assertThat(first.get(20, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(http.get("/v1/controller/evidence?nonce=third").status()).isEqualTo(200);
        } finally {
            release.countDown();
        }
    }

    @Test
    void tsmWithoutAConfigfsTsmDirectoryRefusesToStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SelfAttestation.tsm(new LocalTsmFs(dir.resolve("absent"))))
                .isInstanceOf(IOException.class).hasMessageContaining("no configfs-tsm report interface");
    }

    private static HttpServer serveAlways(String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }
}
