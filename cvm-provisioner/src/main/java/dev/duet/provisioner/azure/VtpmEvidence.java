package dev.duet.provisioner.azure;

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
 * selection order, and the VCEK (DER) for SEV-SNP. {@link #json()} is the form
 * {@link AzureEvidenceParser} reads and {@code duet attest verify} takes, so what the controller
 * verifies and what it can hand on are the same bytes.
 */
public record VtpmEvidence(Octets hclReport, Octets quoteMessage, Octets quoteSignature, List<Octets> pcrs, Optional<Octets> vcek) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public VtpmEvidence {
        pcrs = List.copyOf(pcrs);
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
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serialises", e);
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
