package dev.duet.cli;

import static dev.duet.cli.CliInputTest.assertOneLineError;
import static dev.duet.cli.CliInputTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.duet.attestation.TestVectors;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duet attest show|verify} on the vendor vectors: exit 0 accepted, 1 rejected, 2 unreadable input. */
class AttestCliTest {
    @TempDir Path dir;

    private String vector(String path) throws Exception {
        Path file = dir.resolve(path.replace('/', '_'));
        Files.write(file, TestVectors.bytes(path));
        return file.toString();
    }

    @Test
    void showPrintsEveryFieldAsTextOrJson() throws Exception {
        CliInputTest.Run text = run("attest", "show", vector("snp/turin_v5_oak_report.bin"));
        assertThat(text.exit()).isZero();
        assertThat(text.out()).contains("product: Turin", "report.version: 5", "reportedTcbDecoded.fmc: 0",
                "report.reportedTcb: 0x4700000002000100", "report.chipId: 3b42092f69c656d3");
        CliInputTest.Run json = run("attest", "show", "--json", vector("tdx/v5_emr_trustee_quote.dat"));
        assertThat(json.exit()).isZero();
        JsonNode quote = new ObjectMapper().readTree(json.out());
        assertThat(quote.at("/kind").asText()).isEqualTo("tdx quote");
        assertThat(quote.at("/quote/header/version").asInt()).isEqualTo(5);
        assertThat(quote.at("/quote/body/mrServiceTd").asText()).startsWith("383c87d3bbb047b2");
    }

    @Test
    void verifyAcceptsGenuineEvidenceAndListsEveryCheck() throws Exception {
        CliInputTest.Run ok = run("attest", "verify", vector("snp/milan_v3_oak_report.bin"), "--cert",
                vector("snp/milan_v3_oak_vcek.der"), "--at", "2025-09-01T00:00:00Z");
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("ok   snp.signature", "ok   snp.chain", "ACCEPTED");
    }

    @Test
    void verifyRejectsDebugUnlessThePolicyAllowsIt() throws Exception {
        String report = vector("snp/milan_v2_debug_gosevguest_report.bin");
        String cert = vector("snp/milan_v2_debug_gosevguest_vcek.der");
        CliInputTest.Run rejected = run("attest", "verify", report, "--cert", cert, "--at", "2025-09-01T00:00:00Z");
        assertThat(rejected.exit()).isEqualTo(1);
        assertThat(rejected.out()).contains("FAIL policy.debug", "REJECTED: 1 check failed");
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, "{\"allowDebug\": true}");
        assertThat(run("attest", "verify", report, "--cert", cert, "--at", "2025-09-01T00:00:00Z", "--policy",
                policy.toString()).exit()).isZero();
        CliInputTest.Run json = run("attest", "verify", "--json", report, "--cert", cert, "--at", "2025-09-01T00:00:00Z");
        JsonNode verdict = new ObjectMapper().readTree(json.out());
        assertThat(verdict.get("accepted").asBoolean()).isFalse();
        assertThat(verdict.get("checks").findValuesAsText("id")).contains("policy.debug");
    }

    @Test
    void verifyReadsACollateralDirectory() throws Exception {
        Path collateral = Files.createDirectory(dir.resolve("collateral"));
        Files.write(collateral.resolve("tcbinfo.json"), TestVectors.bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"));
        Files.write(collateral.resolve("qe.json"), TestVectors.bytes("tdx/collateral/tdx_qe_identity_trustee.json"));
        String quote = vector("tdx/v4_gnr_trustee_quote.dat");
        CliInputTest.Run strict = run("attest", "verify", quote, "--collateral", collateral.toString(), "--at", "2025-11-01T00:00:00Z");
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).contains("FAIL policy.tcb-status", "OutOfDate");
        Path policy = dir.resolve("lenient.json");
        Files.writeString(policy, "{\"tcb\": {\"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\"]}}");
        assertThat(run("attest", "verify", quote, "--collateral", collateral.toString(), "--at", "2025-11-01T00:00:00Z",
                "--policy", policy.toString()).exit()).isZero();
        CliInputTest.Run expired = run("attest", "verify", quote, "--collateral", collateral.toString(), "--at",
                "2026-01-01T00:00:00Z", "--policy", policy.toString());
        assertThat(expired.exit()).isEqualTo(1);
        assertThat(expired.out()).contains("FAIL dcap.tcb-info-fresh");
    }

    @Test
    void unreadableInputIsExitTwoWithOneLine() throws Exception {
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertOneLineError(run("attest", "verify", junk.toString()), 2, "neither an SEV-SNP report");
        assertOneLineError(run("attest", "show", dir.resolve("absent").toString()), 2, "cannot read");
        String report = vector("snp/milan_v3_oak_report.bin");
        assertOneLineError(run("attest", "verify", report, "--at", "yesterday"), 2, "ISO-8601");
        Path policy = dir.resolve("typo.json");
        Files.writeString(policy, "{\"alowDebug\": true}");
        assertOneLineError(run("attest", "verify", report, "--policy", policy.toString()), 2, "unknown key \"alowDebug\"");
        Path badCollateral = dir.resolve("bad.json");
        Files.writeString(badCollateral, "{\"tcbInfo\": 5}");
        assertOneLineError(run("attest", "verify", report, "--collateral", badCollateral.toString()), 2, "bad.json");
        assertOneLineError(run("attest", "verify", report, "--cert", junk.toString()), 2, "not an X.509 certificate");
        CliInputTest.Run noCert = run("attest", "verify", report);
        assertThat(noCert.exit()).isEqualTo(1);
        assertThat(noCert.out()).contains("FAIL snp.endorsement");
    }

    @Test
    void fetchGetsTheVcekFromKdsOnceAndThenFromTheCache() throws Exception {
        byte[] vcek = TestVectors.bytes("snp/milan_v3_oak_vcek.der");
        AtomicInteger requests = new AtomicInteger();
        HttpServer kds = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        kds.createContext("/vcek/v1/Milan/", exchange -> {
            requests.incrementAndGet();
            String query = exchange.getRequestURI().getQuery();
            boolean right = exchange.getRequestURI().getPath().endsWith("/a3fdc2c64dc299ab90d4238973864b586378e2e5ef9c9d4dc608f3bdaa89a969a03f1b5752cad55a0c1547ade800dbd7404e9cb3f9738da3b280d1df69cf82e4")
                    && query.equals("blSPL=4&teeSPL=0&snpSPL=24&ucodeSPL=219");
            exchange.sendResponseHeaders(right ? 200 : 404, right ? vcek.length : -1);
            if (right) {
                exchange.getResponseBody().write(vcek);
            }
            exchange.close();
        });
        kds.start();
        try {
            String base = "http://127.0.0.1:" + kds.getAddress().getPort();
            String report = vector("snp/milan_v3_oak_report.bin");
            for (int i = 0; i < 2; i++) {
                CliInputTest.Run fetched = run("attest", "verify", report, "--fetch", "--kds", base, "--cache",
                        dir.resolve("cache").toString(), "--at", "2025-09-01T00:00:00Z");
                assertThat(fetched.exit()).as(fetched.out() + fetched.err()).isZero();
            }
            assertThat(requests.get()).isEqualTo(1);
            CliInputTest.Run turin = run("attest", "verify", vector("snp/turin_v5_oak_report.bin"), "--fetch", "--kds", base,
                    "--cache", dir.resolve("cache").toString());
            assertOneLineError(turin, 2, "HTTP 404");
        } finally {
            kds.stop(0);
        }
    }
}
