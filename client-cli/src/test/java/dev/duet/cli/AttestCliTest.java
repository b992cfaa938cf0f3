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
        Files.writeString(policy, "{\"allowDebug\": true, \"snp\": {}}");
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
        Files.writeString(policy, "{\"tdx\": {}, \"tcb\": {\"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\"]}}");
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
    private static final String SNP_AT = "2025-09-01T00:00:00Z";
    private static final String SGX_AT = "2025-08-20T00:00:00Z";
    private static final String SGX_MRSIGNER = "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e";
    private static final String GNR_MRTD = "21e8dead92d6c69d7cbba79816686c03a48485c7df0c11f6f04792d5e1d378f6b8c46615ba6946adccac6becffbb1e88";

    private String file(String name, String content) throws Exception {
        Path path = dir.resolve(name);
        Files.writeString(path, content);
        return path.toString();
    }

    private String file(String name, byte[] content) throws Exception {
        Path path = dir.resolve(name);
        Files.write(path, content);
        return path.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** The SGX vector's collateral: TCB Info, QE identity, and both CRLs of its chain (root CA and PCK Platform CA). */
    private String sgxCollateral() throws Exception {
        Path collateral = Files.createDirectories(dir.resolve("sgx-collateral"));
        Files.write(collateral.resolve("tcbinfo.json"), TestVectors.bytes("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json"));
        Files.write(collateral.resolve("qe.json"), TestVectors.bytes("sgx/collateral/sgx_qe_identity_automata.json"));
        Files.write(collateral.resolve("pck.der"), TestVectors.bytes("sgx/collateral/pck_platform_crl_2025_automata.der"));
        Files.write(collateral.resolve("root.der"), TestVectors.bytes("roots/intel/intel_sgx_root_ca_crl_2025.der"));
        return collateral.toString();
    }

    private String tdxCollateral() throws Exception {
        Path collateral = Files.createDirectories(dir.resolve("tdx-collateral"));
        Files.write(collateral.resolve("tcbinfo.json"), TestVectors.bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"));
        Files.write(collateral.resolve("qe.json"), TestVectors.bytes("tdx/collateral/tdx_qe_identity_trustee.json"));
        return collateral.toString();
    }

    @Test
    void aPolicyAcceptsOnlyTheEvidenceKindsItNames() throws Exception {
        String snpReport = vector("snp/milan_v3_oak_report.bin");
        String vcek = vector("snp/milan_v3_oak_vcek.der");
        String sgxQuote = vector("sgx/v3_icx_occlum_trustee_quote.dat");
        String tdxQuote = vector("tdx/v4_gnr_trustee_quote.dat");
        String sgxOnly = file("sgx-only.json", "{\"allowDebug\": true, \"sgx\": {\"mrSigner\": [\"" + SGX_MRSIGNER + "\"]}, "
                + "\"tcb\": {\"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\"]}}");
        String snpOnly = file("snp-only.json", "{\"snp\": {\"vmpl\": 0}}");
        String tdxOnly = file("tdx-only.json", "{\"allowDebug\": true, \"tdx\": {\"mrTd\": [\"" + GNR_MRTD + "\"]}, "
                + "\"tcb\": {\"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\"]}}");

        CliInputTest.Run sgxPolicyOnSnp = run("attest", "verify", snpReport, "--cert", vcek, "--at", SNP_AT, "--policy", sgxOnly);
        assertThat(sgxPolicyOnSnp.exit()).as(sgxPolicyOnSnp.out()).isEqualTo(1);
        assertThat(sgxPolicyOnSnp.out()).contains("FAIL policy.evidence-kind", "(expected one of [sgx], got sev-snp)");
        CliInputTest.Run snpPolicyOnTdx = run("attest", "verify", tdxQuote, "--collateral", tdxCollateral(), "--at",
                "2025-11-01T00:00:00Z", "--policy", snpOnly);
        assertThat(snpPolicyOnTdx.exit()).as(snpPolicyOnTdx.out()).isEqualTo(1);
        assertThat(snpPolicyOnTdx.out()).contains("FAIL policy.evidence-kind", "got tdx");
        CliInputTest.Run tdxPolicyOnSgx = run("attest", "verify", sgxQuote, "--collateral", sgxCollateral(), "--at", SGX_AT,
                "--policy", tdxOnly);
        assertThat(tdxPolicyOnSgx.exit()).as(tdxPolicyOnSgx.out()).isEqualTo(1);
        assertThat(tdxPolicyOnSgx.out()).contains("FAIL policy.evidence-kind", "got sgx");

        assertThat(run("attest", "verify", snpReport, "--cert", vcek, "--at", SNP_AT, "--policy", snpOnly).exit()).isZero();
        assertThat(run("attest", "verify", sgxQuote, "--collateral", sgxCollateral(), "--at", SGX_AT, "--policy", sgxOnly)
                .exit()).isZero();
        assertThat(run("attest", "verify", tdxQuote, "--collateral", tdxCollateral(), "--at", "2025-11-01T00:00:00Z",
                "--policy", tdxOnly).exit()).isZero();
        String listed = file("listed.json", "{\"evidenceKinds\": [\"sev-snp\", \"tdx\"], \"allowDebug\": true}");
        assertThat(run("attest", "verify", snpReport, "--cert", vcek, "--at", SNP_AT, "--policy", listed).exit()).isZero();
        CliInputTest.Run listedOnSgx = run("attest", "verify", sgxQuote, "--collateral", sgxCollateral(), "--at", SGX_AT,
                "--policy", listed);
        assertThat(listedOnSgx.out()).contains("FAIL policy.evidence-kind", "(expected one of [tdx, sev-snp], got sgx)");
    }

    @Test
    void aPolicyFileThatNamesNoEvidenceKindIsRefused() throws Exception {
        String report = vector("snp/milan_v3_oak_report.bin");
        assertOneLineError(run("attest", "verify", report, "--policy", file("p.json", "{\"allowDebug\": false}")), 2,
                "names no evidence kind");
        assertOneLineError(run("attest", "verify", report, "--policy", file("q.json", "{\"evidenceKinds\": []}")), 2,
                "evidenceKinds");
        assertOneLineError(run("attest", "verify", report, "--policy", file("r.json",
                "{\"evidenceKinds\": [\"tdx\"], \"snp\": {\"vmpl\": 0}}")), 2, "snp section");
    }

    @Test
    void bytesAfterTheStructureAreRefused() throws Exception {
        byte[] report = TestVectors.bytes("snp/milan_v3_oak_report.bin");
        byte[] vcek = TestVectors.bytes("snp/milan_v3_oak_vcek.der");
        String goodCert = file("vcek.der", vcek);
        assertOneLineError(run("attest", "verify", file("r0.bin", concat(report, new byte[1])), "--cert", goodCert, "--at",
                SNP_AT), 2, "1 byte after the report");
        assertOneLineError(run("attest", "show", file("r1.bin", concat(report, "junk".getBytes()))), 2, "after the report");
        String goodReport = file("r.bin", report);
        assertOneLineError(run("attest", "verify", goodReport, "--cert", file("c0.der", concat(vcek, new byte[] {0})), "--at",
                SNP_AT), 2, "after the certificate");
        String pem = "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder().encodeToString(vcek)
                + "\n-----END CERTIFICATE-----\n";
        assertThat(run("attest", "verify", goodReport, "--cert", file("c.pem", pem), "--at", SNP_AT).exit()).isZero();
        assertOneLineError(run("attest", "verify", goodReport, "--cert", file("c1.pem", pem + "trailing words\n"), "--at",
                SNP_AT), 2, "after the END line");
        assertOneLineError(run("attest", "verify", goodReport, "--cert", file("c2.pem", pem + pem), "--at", SNP_AT), 2,
                "one certificate");

        byte[] quote = TestVectors.bytes("tdx/v4_spr_trustee_quote.dat");
        assertOneLineError(run("attest", "verify", file("q0.dat", concat(quote, new byte[] {0, 0, 7}))), 2,
                "not zero padding");
        assertOneLineError(run("attest", "show", vector("tdx/v4_spr_gotdxguest_quote.dat")), 2, "not zero padding");
        CliInputTest.Run padded = run("attest", "verify", vector("tdx/v4_gcp_cos113_gotdxguest_quote_padded8000.dat"),
                "--at", "2025-01-01T00:00:00Z");
        assertThat(padded.out()).contains("ok   dcap.padding: 3065 zero bytes after the quote ignored");
        JsonNode json = new ObjectMapper().readTree(run("attest", "verify", "--json",
                vector("tdx/v4_gcp_cos113_gotdxguest_quote_padded8000.dat"), "--at", "2025-01-01T00:00:00Z").out());
        assertThat(json.get("paddingBytes").asInt()).isEqualTo(3065);

        byte[] crl = TestVectors.bytes("sgx/collateral/pck_platform_crl_2025_automata.der");
        assertOneLineError(run("attest", "verify", vector("sgx/v3_icx_occlum_trustee_quote.dat"), "--collateral",
                file("crl.der", concat(crl, new byte[] {0x30, 0}))), 2, "after the CRL");
        assertOneLineError(run("attest", "verify", vector("sgx/v3_icx_occlum_trustee_quote.dat"), "--collateral",
                file("qe.json", new String(TestVectors.bytes("sgx/collateral/sgx_qe_identity_automata.json")) + " {}")), 2,
                "qe.json");
    }

    @Test
    void optionsThatDoNotApplyToTheEvidenceAreErrors() throws Exception {
        String quote = vector("tdx/v4_gnr_trustee_quote.dat");
        String report = vector("snp/milan_v3_oak_report.bin");
        String vcek = vector("snp/milan_v3_oak_vcek.der");
        assertOneLineError(run("attest", "verify", quote, "--cert", vcek), 2, "--cert applies only to an SEV-SNP report");
        assertOneLineError(run("attest", "verify", quote, "--simulated-root", dir.toString()), 2,
                "--simulated-root applies only to an SEV-SNP report");
        assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--collateral", tdxCollateral()), 2,
                "does not apply to an SEV-SNP report");
        assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--collateral",
                file("root.der", TestVectors.bytes("roots/intel/intel_sgx_root_ca_crl_2025.der"))), 2, "Intel SGX Root CA");
        assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--cache", dir.toString()), 2,
                "--cache applies only with --fetch");
        assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--fetch"), 2, "nothing to fetch");
        assertOneLineError(run("attest", "verify", vector("snp/milan_v3_vlek_aws_trustee_report.bin"), "--fetch"), 2,
                "VLEK");
        assertOneLineError(run("attest", "verify", quote, "--collateral", tdxCollateral(), "--fetch"), 2, "nothing to fetch");
    }

    @Test
    void showDecodesTheFlagWords() throws Exception {
        CliInputTest.Run debug = run("attest", "show", vector("snp/milan_v2_debug_gosevguest_report.bin"));
        assertThat(debug.exit()).isZero();
        assertThat(debug.out()).contains("report.policy.raw: 0x00000000000b0000", "report.policy.abiMajor: 0",
                "report.policy.smt: true", "report.policy.migrateMa: false", "report.policy.debug: true",
                "report.policy.singleSocket: false", "report.policy.cxlAllow: false", "report.policy.memAes256Xts: false",
                "report.policy.raplDis: false", "report.policy.ciphertextHiding: false",
                "report.policy.pageSwapDisable: false", "report.platformInfo.smtEnabled: true",
                "report.signerInfo.signingKey: VCEK", "report.signerInfo.maskChipId: false");
        JsonNode td = new ObjectMapper().readTree(run("attest", "show", "--json", vector("tdx/v4_spr_trustee_quote.dat")).out());
        assertThat(td.at("/quote/body/tdAttributes/debug").asBoolean()).isTrue();
        assertThat(td.at("/quote/body/tdAttributes/raw").asText()).isEqualTo("0100001000000000");
        assertThat(td.at("/quote/body/tdAttributes/septVeDisable").asBoolean()).isTrue();
        assertThat(td.at("/quote/body/tdAttributes/pks").isBoolean()).isTrue();
        assertThat(td.at("/quote/body/tdAttributes/kl").isBoolean()).isTrue();
        assertThat(td.at("/quote/body/tdAttributes/perfmon").isBoolean()).isTrue();
        JsonNode sgx = new ObjectMapper().readTree(run("attest", "show", "--json", vector("sgx/v3_icx_occlum_trustee_quote.dat"))
                .out());
        assertThat(sgx.at("/quote/body/attributes/debug").asBoolean()).isTrue();
        assertThat(sgx.at("/quote/body/attributes/mode64bit").asBoolean()).isTrue();
        assertThat(sgx.at("/quote/body/attributes/provisionKey").asBoolean()).isFalse();
        assertThat(sgx.at("/quote/signature/qeReport/attributes/provisionKey").asBoolean()).isTrue();
    }

    @Test
    void theJsonVerdictIsDeterministicWithUniqueIdsAndTcbFieldsOfItsOwn() throws Exception {
        String policy = file("sgx.json", "{\"allowDebug\": true, \"sgx\": {}, \"tcb\": {\"acceptedStatuses\": [\"UpToDate\", "
                + "\"OutOfDate\"]}}");
        String[] args = {"attest", "verify", "--json", vector("sgx/v3_icx_occlum_trustee_quote.dat"), "--collateral",
                sgxCollateral(), "--at", SGX_AT, "--policy", policy};
        CliInputTest.Run first = run(args);
        assertThat(first.exit()).as(first.out() + first.err()).isZero();
        assertThat(run(args).out()).isEqualTo(first.out());
        JsonNode verdict = new ObjectMapper().readTree(first.out());
        assertThat(verdict.get("kind").asText()).isEqualTo("sgx");
        assertThat(verdict.get("fmspc").asText()).isEqualTo("00606a000000");
        assertThat(verdict.at("/tcb/status").asText()).isEqualTo("OutOfDate");
        assertThat(verdict.at("/tcb/platform/status").asText()).isEqualTo("OutOfDate");
        assertThat(verdict.at("/tcb/qe/status").asText()).isEqualTo("UpToDate");
        assertThat(verdict.at("/tcb/advisoryIds").toString()).startsWith("[\"INTEL-SA-00586\",\"INTEL-SA-00614\"");
        java.util.List<String> ids = verdict.get("checks").findValuesAsText("id");
        assertThat(ids).doesNotHaveDuplicates().contains("dcap.crl");

        String[] snp = {"attest", "verify", "--json", vector("snp/milan_v3_oak_report.bin"), "--cert",
                vector("snp/milan_v3_oak_vcek.der"), "--at", SNP_AT};
        JsonNode snpVerdict = new ObjectMapper().readTree(run(snp).out());
        assertThat(snpVerdict.at("/reportedTcb/microcode").asInt()).isEqualTo(219);
        assertThat(snpVerdict.get("product").asText()).isEqualTo("Milan");
        for (JsonNode check : snpVerdict.get("checks")) {
            if (check.get("id").asText().equals("policy.signing-key")) {
                assertThat(check.get("expected").asText()).isEqualTo("one of [VCEK, VLEK]");
            }
        }
    }

    @Test
    void fetchErrorsNameWhatWasFetchedWhereAndWhy() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        CliInputTest.Run refused = run("attest", "verify", vector("snp/milan_v3_oak_report.bin"), "--fetch", "--kds",
                "http://127.0.0.1:" + closed, "--cache", dir.resolve("cache").toString());
        assertOneLineError(refused, 2, "cannot fetch the VCEK from http://127.0.0.1:" + closed + "/vcek/v1/Milan/");
        assertThat(refused.err()).contains(": connection refused");
        CliInputTest.Run intel = run("attest", "verify", vector("tdx/v4_gnr_trustee_quote.dat"), "--fetch", "--pcs",
                "http://127.0.0.1:" + closed, "--cache", dir.resolve("cache").toString());
        assertOneLineError(intel, 2, "cannot fetch Intel collateral from http://127.0.0.1:" + closed + "/tdx/certification/v4/tcb");
        assertThat(intel.err()).contains(": connection refused");
    }

    @Test
    void launchDigestPrintsJson() throws Exception {
        String kernel = file("vmlinux", "kernel");
        String initrd = file("initramfs.cpio", "initrd");
        CliInputTest.Run text = run("attest", "launch-digest", "--kernel", kernel, "--initrd", initrd);
        assertThat(text.exit()).isZero();
        JsonNode json = new ObjectMapper().readTree(run("attest", "launch-digest", "--json", "--kernel", kernel, "--initrd",
                initrd).out());
        assertThat(json.get("launchDigest").asText()).isEqualTo(text.out().strip());
        assertThat(json.get("simulated").asBoolean()).isTrue();
    }

    @Test
    void attestReadsOnlyBoundedRegularFiles() throws Exception {
        Path huge = dir.resolve("huge.bin");
        try (java.io.RandomAccessFile sparse = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            sparse.setLength(3L << 30);
        }
        assertOneLineError(run("attest", "show", huge.toString()), 2, "larger than");
        assertOneLineError(run("attest", "verify", "/dev/zero"), 2, "not a regular file");
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        String report = vector("snp/milan_v3_oak_report.bin");
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            assertOneLineError(run("attest", "verify", fifo.toString()), 2, "not a regular file");
            assertOneLineError(run("attest", "verify", report, "--cert", fifo.toString()), 2, "not a regular file");
            assertOneLineError(run("attest", "verify", report, "--policy", fifo.toString()), 2, "not a regular file");
            assertOneLineError(run("attest", "verify", report, "--collateral", fifo.toString()), 2, "not a regular file");
            Path withFifo = Files.createDirectories(dir.resolve("collateral-with-fifo"));
            assertThat(new ProcessBuilder("mkfifo", withFifo.resolve("x.json").toString()).start().waitFor()).isZero();
            assertOneLineError(run("attest", "verify", report, "--collateral", withFifo.toString()), 2, "not a regular file");
            assertOneLineError(run("attest", "verify", report, "--cert", "/dev/zero"), 2, "not a regular file");
            assertOneLineError(run("attest", "verify", report, "--collateral", huge.toString()), 2, "larger than");
            assertOneLineError(run("attest", "launch-digest", "--kernel", "/dev/zero", "--initrd", report), 2,
                    "not a regular file");
            assertOneLineError(run("attest", "launch-digest", "--kernel", report, "--initrd", fifo.toString()), 2,
                    "not a regular file");
        });
    }

    /** A policy value no evidence can carry, or an empty signing-key allow-list, is a usage error (2), not a rejection (1). */
    @Test
    void policyValuesOutOfRangeAreUsageErrors() throws Exception {
        String report = vector("snp/milan_v3_oak_report.bin");
        String vcek = vector("snp/milan_v3_oak_vcek.der");
        assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--at", SNP_AT, "--policy",
                file("no-keys.json", "{\"snp\": {\"signingKeys\": []}}")), 2, "snp.signingKeys is an empty allow-list");
        assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--at", SNP_AT, "--policy",
                file("vmpl.json", "{\"snp\": {\"vmpl\": 4}}")), 2, "snp.vmpl must be an integer from 0 to 3, not 4");
        for (String part : java.util.List.of("bootloader", "tee", "snp", "microcode", "fmc")) {
            assertOneLineError(run("attest", "verify", report, "--cert", vcek, "--at", SNP_AT, "--policy",
                    file(part + ".json", "{\"snp\": {\"minimumTcb\": {\"" + part + "\": 256}}}")), 2,
                    "snp.minimumTcb." + part + " must be an integer from 0 to 255, not 256");
        }
        CliInputTest.Run highest = run("attest", "verify", report, "--cert", vcek, "--at", SNP_AT, "--policy",
                file("highest.json", "{\"snp\": {\"vmpl\": 3, \"minimumTcb\": {\"snp\": 255}}}"));
        assertThat(highest.exit()).as(highest.err()).isEqualTo(1);
        assertThat(highest.out()).contains("FAIL policy.vmpl", "FAIL policy.minimum-tcb");
    }

    /** AMD's certificates say nothing about an Intel quote: given as its collateral they are refused, not ignored. */
    @Test
    void amdCertificatesAsCollateralForAQuoteAreRefused() throws Exception {
        String quote = vector("tdx/v4_gnr_trustee_quote.dat");
        String amd = file("amd-chain.pem", new String(TestVectors.bytes("roots/amd/ask_milan.pem")) + new String(TestVectors.bytes("roots/amd/ark_milan.pem")));
        assertOneLineError(run("attest", "verify", quote, "--collateral", tdxCollateral(), "--collateral", amd, "--at", "2025-11-01T00:00:00Z"), 2,
                "does not apply to a TDX quote");
        assertOneLineError(run("attest", "verify", vector("sgx/v3_icx_occlum_trustee_quote.dat"), "--collateral", sgxCollateral(), "--collateral",
                vector("roots/amd/ark_genoa.pem"), "--at", SGX_AT), 2, "does not apply to an SGX quote");
        String intel = file("intel-chain.pem", new String(TestVectors.bytes("roots/intel/intel_sgx_tcb_signing_notafter2032.pem"))
                + new String(TestVectors.bytes("roots/intel/intel_sgx_root_ca.pem")));
        CliInputTest.Run intelChain = run("attest", "verify", quote, "--collateral", tdxCollateral(), "--collateral", intel, "--at", "2025-11-01T00:00:00Z");
        assertThat(intelChain.exit()).as(intelChain.err()).isEqualTo(1);
        assertThat(intelChain.out()).contains("ok   dcap.tcb-info");
    }
}
