package dev.duet.cli;

import static dev.duet.cli.CliInputTest.assertOneLineError;
import static dev.duet.cli.CliInputTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.collateral.CollateralParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duet attest show|verify} on Azure HCL reports and vTPM evidence (testvectors/azure). */
class AzureAttestCliTest {
    private static final String CHALLENGE = "6368616c6c656e6765";

    @TempDir Path dir;

    private String vector(String name) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, TestVectors.bytes("azure/" + name));
        return file.toString();
    }

    private byte[] hcl(String name) throws Exception {
        return Base64.getUrlDecoder().decode(new ObjectMapper().readTree(TestVectors.bytes("azure/" + name))
                .get("hcl_report").asText());
    }

    @Test
    void showPrintsTheHeaderTheReportTheClaimsAndTheBinding() throws Exception {
        CliInputTest.Run text = run("attest", "show", vector("snp_milan_trustee_evidence_v1.json"));
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("kind: azure hcl report", "header.version: 1", "reportType: sev-snp",
                "runtimeClaims.keys[0].kid: HCLAkPub", "runtimeClaims.vmConfiguration.secure-boot: true",
                "claimsBinding: ok", "vtpmQuote.extraData: " + CHALLENGE, "endorsement: VCEK certificate");
        Path raw = dir.resolve("tdx.hcl");
        Files.write(raw, hcl("tdx_trustee_evidence_v1.json"));
        CliInputTest.Run json = run("attest", "show", "--json", raw.toString());
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode shown = new ObjectMapper().readTree(json.out());
        assertThat(shown.at("/reportType").asText()).isEqualTo("tdx");
        assertThat(shown.at("/report/body/mrTd").asText()).startsWith("024a32b070383331");
        assertThat(shown.at("/claimsBinding").asText()).startsWith("ok");
        assertThat(shown.has("vtpmQuote")).isFalse();
    }

    @Test
    void showFlagsClaimsThatTheReportDoesNotBind() throws Exception {
        byte[] hcl = hcl("snp_milan_trustee_evidence_v1.json");
        int id = new String(hcl, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\"vmUniqueId\":\"") + 14;
        hcl[id] = (byte) (hcl[id] == 'A' ? 'B' : 'A');
        Path changed = dir.resolve("changed.hcl");
        Files.write(changed, hcl);
        CliInputTest.Run text = run("attest", "show", changed.toString());
        assertThat(text.exit()).isZero();
        assertThat(text.out()).contains("claimsBinding: FAIL");
    }

    @Test
    void verifyRunsEveryCheckAgainstTheNonce() throws Exception {
        String milan = vector("snp_milan_trustee_evidence_v1.json");
        CliInputTest.Run ok = run("attest", "verify", milan, "--nonce", CHALLENGE, "--at", "2025-09-01T00:00:00Z",
                "--policy", policy("{\"snp\": {}}"));
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("ok   snp.signature", "ok   hcl.claims-binding", "ok   vtpm.quote-signature",
                "ok   vtpm.nonce", "ok   vtpm.pcr-digest", "ACCEPTED");
        CliInputTest.Run replayed = run("attest", "verify", milan, "--nonce", "00" + CHALLENGE, "--at",
                "2025-09-01T00:00:00Z", "--policy", policy("{\"snp\": {}}"));
        assertThat(replayed.exit()).isEqualTo(1);
        assertThat(replayed.out()).contains("FAIL vtpm.nonce");
        CliInputTest.Run tdx = run("attest", "verify", vector("tdx_trustee_evidence_v1.json"), "--nonce", CHALLENGE,
                "--at", "2025-01-01T00:00:00Z", "--policy", policy("{\"tdx\": {}, \"tcb\": {\"requireCollateral\": false}}"));
        assertThat(tdx.exit()).as(tdx.out()).isZero();
        assertThat(tdx.out()).contains("ok   tdx.report-match", "ok   dcap.quote-signature");
        ObjectNode withoutQuote = (ObjectNode) new ObjectMapper().readTree(TestVectors.bytes("azure/tdx_trustee_evidence_v1.json"));
        withoutQuote.remove("td_quote");
        Path noQuote = dir.resolve("tdx-without-quote.json");
        Files.writeString(noQuote, withoutQuote.toString());
        CliInputTest.Run unquoted = run("attest", "verify", noQuote.toString(), "--nonce", CHALLENGE, "--at", "2025-01-01T00:00:00Z");
        assertThat(unquoted.exit()).as(unquoted.err()).isEqualTo(1);
        assertThat(unquoted.out()).contains("FAIL tdx.quote");
    }

    @Test
    void verifyRefusesWhatCannotBeVerifiedWithOneLine() throws Exception {
        String milan = vector("snp_milan_trustee_evidence_v1.json");
        assertOneLineError(run("attest", "verify", milan), 2, "--nonce is required");
        assertOneLineError(run("attest", "verify", milan, "--nonce", "zz"), 2, "--nonce must be hex");
        assertOneLineError(run("attest", "verify", milan, "--nonce", CHALLENGE, "--fetch"), 2, "does not apply");
        Path intel = dir.resolve("tcbinfo.json");
        Files.write(intel, TestVectors.bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"));
        assertOneLineError(run("attest", "verify", milan, "--nonce", CHALLENGE, "--collateral", intel.toString()), 2,
                "does not apply to an SEV-SNP report");
        Path raw = dir.resolve("milan.hcl");
        Files.write(raw, hcl("snp_milan_trustee_evidence_v1.json"));
        assertOneLineError(run("attest", "verify", raw.toString(), "--nonce", CHALLENGE), 2, "HCL report alone");
        Path truncated = dir.resolve("truncated.hcl");
        Files.write(truncated, Arrays.copyOf(hcl("snp_milan_trustee_evidence_v1.json"), 2000));
        assertOneLineError(run("attest", "show", truncated.toString()), 2, "truncated");
        Path snp = dir.resolve("report.bin");
        Files.write(snp, TestVectors.bytes("snp/milan_v3_oak_report.bin"));
        assertOneLineError(run("attest", "verify", snp.toString(), "--nonce", CHALLENGE), 2, "--nonce applies only");
    }

    /** TDX evidence as the controller logs it: with the Intel collateral (here real, of another platform) inside. */
    @Test
    void tdxEvidenceCarryingCollateralIsShownAndAppraisedAgainstIt() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode evidence = (ObjectNode) json.readTree(TestVectors.bytes("azure/tdx_trustee_evidence_v1.json"));
        evidence.set("collateral", json.readTree(CollateralParser.bundle(TestVectors.bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"),
                "", TestVectors.bytes("tdx/collateral/tdx_qe_identity_trustee.json"), "",
                TestVectors.bytes("tdx/collateral/pck_platform_crl_2023_gotdxguest.der"))));
        Path carrying = dir.resolve("tdx-with-collateral.json");
        Files.writeString(carrying, evidence.toString());

        CliInputTest.Run shown = run("attest", "show", carrying.toString());
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.out()).contains("collateral: 1 TCB Info, 1 QE identity, 1 CRL");
        CliInputTest.Run verified = run("attest", "verify", carrying.toString(), "--nonce", CHALLENGE, "--at", "2025-01-01T00:00:00Z");
        assertThat(verified.exit()).as(verified.err()).isEqualTo(1);
        assertThat(verified.out()).contains("FAIL dcap.tcb-info").contains("00806f050000");

        evidence.put("collateral", "not a bundle");
        Files.writeString(carrying, evidence.toString());
        assertOneLineError(run("attest", "verify", carrying.toString(), "--nonce", CHALLENGE), 2, "\"collateral\"");
    }

    private String policy(String json) throws Exception {
        Path file = Files.createTempFile(dir, "policy", ".json");
        Files.writeString(file, json);
        return file.toString();
    }
}
