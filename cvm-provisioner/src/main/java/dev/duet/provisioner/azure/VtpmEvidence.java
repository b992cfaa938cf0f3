package dev.duet.provisioner.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.azure.AzureEvidence;
import dev.duet.attestation.azure.AzureEvidenceParser;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * What {@link VtpmCollector} read from a guest, still unverified: the HCL report as the NV index
 * holds it, the quote's TPMS_ATTEST, its bare RSASSA signature, the quoted SHA-256 PCR values in
 * selection order, and the VCEK (DER) for SEV-SNP or the TD quote for TDX, to which the controller
 * adds the Intel collateral it appraises the TD quote against (a QuoteCollateralV3 bundle,
 * {@link #withCollateral}). {@link #json()} is the form
 * {@link AzureEvidenceParser} reads and {@code duet attest verify} takes, so what the controller
 * verifies and what it can hand on are the same bytes.
 */
public record VtpmEvidence(Octets hclReport, Octets quoteMessage, Octets quoteSignature, List<Octets> pcrs, Optional<Octets> vcek,
        Optional<Octets> tdQuote, Optional<Octets> collateral) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public VtpmEvidence {
        pcrs = List.copyOf(pcrs);
        if (collateral.isPresent() && (tdQuote.isEmpty() || !tree(collateral.get()).isObject())) {
            throw new IllegalArgumentException("collateral is a JSON object and goes with a TD quote");
        }
    }

    /** The same evidence with {@code bundle}, Intel's collateral for its TD quote, which {@link #json()} then carries. */
    public VtpmEvidence withCollateral(Octets bundle) {
        return new VtpmEvidence(hclReport, quoteMessage, quoteSignature, pcrs, vcek, tdQuote, Optional.of(bundle));
    }

    public byte[] json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("hcl_report", base64url(hclReport));
        ObjectNode quote = root.putObject("tpm_quote");
        quote.put("message", quoteMessage.hex());
        quote.put("signature", quoteSignature.hex());
        ArrayNode values = quote.putArray("pcrs");
        pcrs.forEach(pcr -> values.add(pcr.hex()));
        vcek.ifPresent(der -> root.put("vcek", base64url(der)));
        tdQuote.ifPresent(quoteBytes -> root.put("td_quote", base64url(quoteBytes)));
        collateral.ifPresent(bundle -> root.set("collateral", tree(bundle)));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serialises", e);
        }
    }

    private static JsonNode tree(Octets json) {
        try {
            return JSON.readTree(json.toByteArray());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the collateral is not JSON: " + e.getMessage(), e);
        }
    }

    /** The evidence parsed as any verifier of the JSON form would parse it. */
    public AzureEvidence parse() throws MalformedEvidenceException {
        return AzureEvidenceParser.parseJson(json());
    }

    private static String base64url(Octets bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
    }
}
