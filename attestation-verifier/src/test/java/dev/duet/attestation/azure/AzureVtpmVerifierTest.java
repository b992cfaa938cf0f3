package dev.duet.attestation.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AzureVtpmVerifierTest {
    private final AzureVtpmVerifier verifier = AzureVtpmVerifier.vendorRoots();

    private Verdict verify(AzureVectors vector, AzureEvidence evidence, Octets nonce) {
        return verifier.verify(evidence, nonce, Collateral.none(), vector.policy(), vector.at());
    }

    @Test
    void thePublicVectorsVerifyWithTheirNonce() throws Exception {
        for (AzureVectors vector : AzureVectors.all()) {
            Verdict verdict = verify(vector, vector.evidence(), vector.nonce());
            assertThat(verdict.failures()).as(vector.file()).isEmpty();
            assertThat(verdict.accepted()).isTrue();
            assertThat(verdict.checks()).extracting(Check::id).doesNotHaveDuplicates();
            assertThat(verdict.checks()).extracting(Check::id).contains("hcl.claims-binding", "vtpm.attestation-key",
                    "vtpm.quote-signature", "vtpm.nonce", "vtpm.pcr-digest");
        }
        Verdict snp = verify(AzureVectors.SNP_GENOA, AzureVectors.SNP_GENOA.evidence(), AzureVectors.SNP_GENOA.nonce());
        assertThat(snp.kind()).isEqualTo(TeeKind.SEV_SNP);
        assertThat(snp.checks()).extracting(Check::id).contains("snp.signature", "snp.chain", "hcl.vmpl");
        Verdict tdx = verify(AzureVectors.TDX, AzureVectors.TDX.evidence(), AzureVectors.TDX.nonce());
        assertThat(tdx.kind()).isEqualTo(TeeKind.TDX);
        assertThat(tdx.checks()).extracting(Check::id).contains("dcap.quote-signature", "tdx.report-match",
                "tdx.report-hashes");
    }

    @Test
    void theHclReportIsReadAsAzureWritesIt() throws Exception {
        HclReport milan = AzureVectors.SNP_MILAN.evidence().hcl();
        assertThat(milan.version()).isEqualTo(1);
        assertThat(milan.reportSize()).isEqualTo(2346);
        assertThat(milan.paddingBytes()).isEqualTo(254);
        assertThat(milan.hashType()).isEqualTo(HclReport.HashType.SHA256);
        assertThat(milan.hardware()).isInstanceOf(HclReport.Snp.class);
        assertThat(milan.claims().keys()).extracting(RuntimeClaims.Key::kid).containsExactly("HCLAkPub", "HCLEkPub");
        assertThat(milan.claims().attestationKey().orElseThrow().rsa().orElseThrow().bits()).isEqualTo(2048);
        assertThat(milan.claims().vmConfiguration()).extracting(RuntimeClaims.Setting::name)
                .contains("secure-boot", "tpm-enabled", "vmUniqueId");
        HclReport tdx = AzureVectors.TDX.evidence().hcl();
        assertThat(tdx.hardware()).isInstanceOf(HclReport.Tdx.class);
        assertThat(tdx.version()).isEqualTo(2);
    }

    @Test
    void aQuoteForAnotherNonceIsRefused() throws Exception {
        for (AzureVectors vector : AzureVectors.all()) {
            Verdict verdict = verify(vector, vector.evidence(), Octets.copyOf("challengf".getBytes(StandardCharsets.UTF_8)));
            assertThat(verdict.accepted()).isFalse();
            assertThat(verdict.failures()).extracting(Check::id).containsExactly("vtpm.nonce");
        }
    }

    /**
     * Runtime claims whose HCLAkPub is another real RSA key (the vTPM's endorsement key from the same
     * claims), re-sized so the report still parses.
     */
    @Test
    void claimsThatNameAnotherAttestationKeyAreRefused() throws Exception {
        for (AzureVectors vector : AzureVectors.all()) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode root =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(claims(vector.hcl()));
            com.fasterxml.jackson.databind.node.ArrayNode keys = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("keys");
            ((com.fasterxml.jackson.databind.node.ObjectNode) keys.get(0)).set("n", keys.get(1).get("n"));
            assertThat(keys.get(0).get("kid").asText()).isEqualTo("HCLAkPub");
            byte[] hcl = withClaims(vector.hcl(), json.writeValueAsString(root));
            Verdict verdict = verify(vector, vector.with(hcl, vector.message(), vector.signature(), vector.pcrs()),
                    vector.nonce());
            assertThat(verdict.failures()).extracting(Check::id)
                    .containsExactly("hcl.claims-binding", "vtpm.quote-signature");
        }
    }

    @Test
    void claimsWithoutTheAttestationKeyAreRefused() throws Exception {
        AzureVectors vector = AzureVectors.SNP_MILAN;
        byte[] hcl = withClaims(vector.hcl(), claims(vector.hcl()).replace("HCLAkPub", "HCLAkPuc"));
        Verdict verdict = verify(vector, vector.with(hcl, vector.message(), vector.signature(), vector.pcrs()),
                vector.nonce());
        assertThat(verdict.failures()).extracting(Check::id)
                .containsExactly("hcl.claims-binding", "vtpm.attestation-key", "vtpm.quote-signature");
    }

    @Test
    void aQuoteBindsAHostKeyOnlyThroughTheNonceItWasMadeFor() throws Exception {
        AzureVectors vector = AzureVectors.SNP_MILAN;
        byte[] key = "ssh-ed25519 host key blob".getBytes(StandardCharsets.UTF_8);
        byte[] fresh = "fresh".getBytes(StandardCharsets.UTF_8);
        Octets nonce = VtpmHostKeyBinding.nonce(key, fresh);
        assertThat(nonce.length()).isEqualTo(32);
        assertThat(nonce).isNotEqualTo(VtpmHostKeyBinding.nonce("another key".getBytes(StandardCharsets.UTF_8), fresh));
        assertThat(verify(vector, vector.evidence(), nonce).failures()).extracting(Check::id).containsExactly("vtpm.nonce");
    }

    /** What {@code tpm2_quote} writes: TPMT_SIGNATURE (sigAlg RSASSA, hash SHA-256, TPM2B signature). */
    @Test
    void aTpmtSignatureIsReducedToTheSignatureTheQuoteVerifiesWith() throws Exception {
        AzureVectors vector = AzureVectors.SNP_MILAN;
        byte[] tpmt = ByteBuffer.allocate(6 + vector.signature().length).putShort((short) 0x14).putShort((short) 0x0b)
                .putShort((short) vector.signature().length).put(vector.signature()).array();
        byte[] signature = TpmQuoteParser.rsassaSignature(tpmt).toByteArray();
        assertThat(verify(vector, vector.with(vector.hcl(), vector.message(), signature, vector.pcrs()), vector.nonce())
                .accepted()).isTrue();
        byte[] rsapss = tpmt.clone();
        rsapss[1] = 0x16;
        assertThatThrownBy(() -> TpmQuoteParser.rsassaSignature(rsapss)).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("only RSASSA");
        assertThatThrownBy(() -> TpmQuoteParser.rsassaSignature(Arrays.copyOf(tpmt, tpmt.length - 1)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> TpmQuoteParser.rsassaSignature(Arrays.copyOf(tpmt, tpmt.length + 1)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("after its end");
    }

    @Test
    void pcrValuesOtherThanTheQuotedOnesAreRefused() throws Exception {
        AzureVectors vector = AzureVectors.TDX;
        List<byte[]> fewer = vector.pcrs().subList(0, 23);
        assertThat(verify(vector, vector.with(vector.hcl(), vector.message(), vector.signature(), fewer), vector.nonce())
                .failures()).extracting(Check::id).containsExactly("vtpm.pcr-digest");
    }

    @Test
    void anSnpHclReportWithoutItsVcekIsRefused() throws Exception {
        AzureVectors vector = AzureVectors.SNP_MILAN;
        AzureEvidence full = vector.evidence();
        AzureEvidence bare = new AzureEvidence(full.hcl(), full.quote(), full.quoteSignature(), full.pcrs(),
                Optional.empty(), Optional.empty(), Collateral.none());
        assertThat(verify(vector, bare, vector.nonce()).failures()).extracting(Check::id).containsExactly("snp.endorsement");
    }

    @Test
    void aTdxHclReportWithoutItsQuoteIsRefused() throws Exception {
        AzureVectors vector = AzureVectors.TDX;
        AzureEvidence full = vector.evidence();
        AzureEvidence bare = new AzureEvidence(full.hcl(), full.quote(), full.quoteSignature(), full.pcrs(),
                Optional.empty(), Optional.empty(), Collateral.none());
        assertThat(verify(vector, bare, vector.nonce()).failures()).extracting(Check::id).containsExactly("tdx.quote");
    }

    @Test
    void everyTruncationOfTheReportBelowItsSizeIsOurError() throws Exception {
        for (AzureVectors vector : AzureVectors.all()) {
            int size = (int) HclReportParser.parse(vector.hcl()).reportSize();
            for (int length = 0; length < size; length++) {
                byte[] prefix = Arrays.copyOf(vector.hcl(), length);
                assertThatThrownBy(() -> HclReportParser.parse(prefix)).isInstanceOf(MalformedEvidenceException.class);
            }
            // The zero padding after the report carries nothing, so a shorter buffer is the same report.
            assertThat(HclReportParser.parse(Arrays.copyOf(vector.hcl(), size)).claims())
                    .isEqualTo(HclReportParser.parse(vector.hcl()).claims());
        }
    }

    @Test
    void oversizedReportsAreOurError() {
        byte[] hcl = AzureVectors.SNP_MILAN.hcl();
        byte[] trailing = Arrays.copyOf(hcl, hcl.length + 1);
        trailing[hcl.length] = 1;
        assertThatThrownBy(() -> HclReportParser.parse(trailing)).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("not zero padding");
        byte[] huge = Arrays.copyOf(hcl, HclReportParser.MAX_SIZE + 1);
        assertThatThrownBy(() -> HclReportParser.parse(huge)).isInstanceOf(MalformedEvidenceException.class)
                .hasMessageContaining("at most");
    }

    @Test
    void everyTruncationAndExtensionOfTheTpmQuoteIsOurError() {
        for (AzureVectors vector : AzureVectors.all()) {
            for (int length = 0; length < vector.message().length; length++) {
                byte[] prefix = Arrays.copyOf(vector.message(), length);
                assertThatThrownBy(() -> TpmQuoteParser.parse(prefix)).isInstanceOf(MalformedEvidenceException.class);
            }
            byte[] longer = Arrays.copyOf(vector.message(), vector.message().length + 1);
            assertThatThrownBy(() -> TpmQuoteParser.parse(longer)).isInstanceOf(MalformedEvidenceException.class)
                    .hasMessageContaining("after its end");
        }
    }

    @Test
    void theTpmQuoteIsReadFieldByField() throws Exception {
        TpmQuote quote = AzureVectors.SNP_MILAN.evidence().quote();
        assertThat(quote.extraData().toByteArray()).isEqualTo("challenge".getBytes(StandardCharsets.UTF_8));
        assertThat(quote.pcrSelections()).containsExactly(new TpmQuote.PcrSelection(TpmQuote.SHA256,
                java.util.stream.IntStream.range(0, 24).boxed().toList()));
        assertThat(quote.pcrDigest().hex()).isEqualTo("cfa3a9112493e8c8741c1d895ced6d05a9ea19a24a02a44a8b02eaf22a1b143f");
        assertThat(quote.qualifiedSigner().length()).isEqualTo(34);
        assertThat(quote.safe()).isTrue();
    }

    static String claims(byte[] hcl) throws MalformedEvidenceException {
        return new String(HclReportParser.parse(hcl).claims().json().toByteArray(), StandardCharsets.UTF_8);
    }

    /** The report with other runtime claims and its three sizes made consistent; nothing re-signed. */
    static byte[] withClaims(byte[] hcl, String claims) {
        byte[] json = claims.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.max(hcl.length, HclReport.CLAIMS_OFFSET + json.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(hcl, 0, HclReport.CLAIMS_OFFSET);
        out.put(json);
        out.putInt(8, HclReport.CLAIMS_OFFSET + json.length);
        out.putInt(HclReport.REQUEST_DATA_OFFSET, HclReport.REQUEST_DATA_HEADER + json.length);
        out.putInt(HclReport.REQUEST_DATA_OFFSET + 16, json.length);
        return out.array();
    }
}
