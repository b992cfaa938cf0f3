package dev.duet.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.PolicyParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The public Azure vTPM vectors (testvectors/azure, provenance in MANIFEST.md) and their parts as
 * raw bytes, so that tests can change one part and rebuild the evidence.
 */
record AzureVectors(String file, byte[] hcl, byte[] message, byte[] signature, List<byte[]> pcrs, Octets nonce,
        Instant at, AppraisalPolicy policy) {

    static final AzureVectors SNP_MILAN = load("snp_milan_trustee_evidence_v1.json", "challenge".getBytes(StandardCharsets.UTF_8),
            TestVectors.SNP_TIME, "{\"snp\": {}}");
    static final AzureVectors SNP_GENOA = load("snp_genoa_trustee_evidence_v1.json", HexFormat.of().parseHex(
            "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f"),
            TestVectors.SNP_TIME, "{\"snp\": {}}");
    static final AzureVectors TDX = load("tdx_trustee_evidence_v1.json", "challenge".getBytes(StandardCharsets.UTF_8),
            Instant.parse("2025-01-01T00:00:00Z"), "{\"tdx\": {}, \"tcb\": {\"requireCollateral\": false}}");

    static List<AzureVectors> all() {
        return List.of(SNP_MILAN, SNP_GENOA, TDX);
    }

    private static AzureVectors load(String file, byte[] nonce, Instant at, String policy) {
        try {
            JsonNode root = new ObjectMapper().readTree(json(file));
            JsonNode quote = root.get("tpm_quote");
            List<byte[]> pcrs = new ArrayList<>();
            quote.get("pcrs").forEach(pcr -> pcrs.add(HexFormat.of().parseHex(pcr.asText())));
            return new AzureVectors(file, Base64.getUrlDecoder().decode(root.get("hcl_report").asText()),
                    HexFormat.of().parseHex(quote.get("message").asText()),
                    HexFormat.of().parseHex(quote.get("signature").asText()), pcrs, Octets.copyOf(nonce), at,
                    PolicyParser.parse(policy.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] json(String file) {
        return TestVectors.bytes("azure/" + file);
    }

    AzureEvidence evidence() throws MalformedEvidenceException {
        return AzureEvidenceParser.parseJson(json(file));
    }

    /** The evidence with its parts replaced (the VCEK or TD quote stays the vector's). */
    AzureEvidence with(byte[] hcl, byte[] message, byte[] signature, List<byte[]> pcrs) throws MalformedEvidenceException {
        AzureEvidence original = evidence();
        return new AzureEvidence(HclReportParser.parse(hcl), TpmQuoteParser.parse(message), Octets.copyOf(signature),
                pcrs.stream().map(Octets::copyOf).toList(), original.vcek(), original.tdQuote(),
                original.collateral());
    }
}
