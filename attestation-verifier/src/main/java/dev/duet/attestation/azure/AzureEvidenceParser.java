package dev.duet.attestation.azure;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.snp.EndorsementCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Azure vTPM evidence in the JSON form of the Confidential Containers attesters
 * ({@code az-snp-vtpm} and {@code az-tdx-vtpm}, versions 1 and 2): {@code hcl_report}, {@code vcek}
 * and {@code td_quote} in base64url, {@code tpm_quote} with hex {@code message}, {@code signature}
 * and {@code pcrs}; and duet's own {@code collateral} beside a TD quote: the Intel collateral the
 * quote was appraised against, a QuoteCollateralV3 object ({@link CollateralParser#bundle}). Total;
 * unknown members are refused, so a misspelt one is not silently absent.
 */
public final class AzureEvidenceParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Set<String> MEMBERS = Set.of("version", "hcl_report", "tpm_quote", "vcek", "td_quote", "collateral");
    private static final Set<String> QUOTE_MEMBERS = Set.of("message", "signature", "pcrs");
    /** The QuoteCollateralV3 members {@link CollateralParser} reads: a misspelt CRL must not silently drop out. */
    private static final Set<String> COLLATERAL_MEMBERS = Set.of("tcb_info", "tcb_info_signature", "tcb_info_issuer_chain", "qe_identity",
            "qe_identity_signature", "qe_identity_issuer_chain", "pck_crl", "pck_crl_issuer_chain", "root_ca_crl");
    /** The vTPM has 24 PCRs per bank. */
    private static final int MAX_PCRS = 24;

    private AzureEvidenceParser() {}

    /** Whether {@code bytes} look like this JSON form (a JSON object naming an HCL report), to pick a parser. */
    public static boolean looksLikeJson(byte[] bytes) {
        String start = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8);
        return start.stripLeading().startsWith("{") && start.contains("\"hcl_report\"");
    }

    public static AzureEvidence parseJson(byte[] json) throws MalformedEvidenceException {
        JsonNode root = document(json);
        for (String name : iterable(root)) {
            if (!MEMBERS.contains(name)) {
                throw new MalformedEvidenceException("Azure evidence: unknown member \"" + name + "\"");
            }
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isInt() || version.asInt() < 1 || version.asInt() > 2) {
            throw new MalformedEvidenceException("Azure evidence: \"version\" must be 1 or 2");
        }
        HclReport hcl = HclReportParser.parse(base64url(root, "hcl_report"));
        JsonNode quote = root.get("tpm_quote");
        if (quote == null || !quote.isObject()) {
            throw new MalformedEvidenceException("Azure evidence: no \"tpm_quote\" object");
        }
        for (String name : iterable(quote)) {
            if (!QUOTE_MEMBERS.contains(name)) {
                throw new MalformedEvidenceException("Azure evidence: unknown member \"tpm_quote." + name + "\"");
            }
        }
        JsonNode pcrs = quote.get("pcrs");
        if (pcrs == null || !pcrs.isArray() || pcrs.size() > MAX_PCRS) {
            throw new MalformedEvidenceException("Azure evidence: \"tpm_quote.pcrs\" must be an array of at most "
                    + MAX_PCRS + " hex strings");
        }
        List<Octets> values = new ArrayList<>();
        for (JsonNode pcr : pcrs) {
            values.add(Octets.copyOf(hex(pcr, "tpm_quote.pcrs[]")));
        }
        Optional<EndorsementCertificate> vcek = root.has("vcek")
                ? Optional.of(EndorsementCertificate.parse(base64url(root, "vcek"))) : Optional.empty();
        Optional<Quote> tdQuote = root.has("td_quote")
                ? Optional.of(QuoteParser.parse(base64url(root, "td_quote"))) : Optional.empty();
        boolean snp = hcl.hardware() instanceof HclReport.Snp;
        if (snp && tdQuote.isPresent() || !snp && vcek.isPresent()) {
            throw new MalformedEvidenceException("Azure evidence: " + (snp ? "a TD quote does not go with an SEV-SNP"
                    : "a VCEK does not go with a TDX") + " HCL report");
        }
        Collateral collateral = Collateral.none();
        if (root.has("collateral")) {
            if (tdQuote.isEmpty() || !root.get("collateral").isObject()) {
                throw new MalformedEvidenceException("Azure evidence: \"collateral\" is an object, and only beside a \"td_quote\"");
            }
            for (String name : iterable(root.get("collateral"))) {
                if (!COLLATERAL_MEMBERS.contains(name)) {
                    throw new MalformedEvidenceException("Azure evidence: unknown member \"collateral." + name + "\"");
                }
            }
            try {
                collateral = CollateralParser.parseJson(JSON.writeValueAsBytes(root.get("collateral")));
            } catch (JsonProcessingException e) {
                throw new MalformedEvidenceException("Azure evidence: \"collateral\" cannot be read: " + e.getOriginalMessage());
            } catch (MalformedEvidenceException e) {
                throw new MalformedEvidenceException("Azure evidence: \"collateral\": " + e.getMessage(), e);
            }
        }
        return new AzureEvidence(hcl, TpmQuoteParser.parse(hex(quote.get("message"), "tpm_quote.message")),
                Octets.copyOf(hex(quote.get("signature"), "tpm_quote.signature")), values, vcek, tdQuote, collateral);
    }

    private static JsonNode document(byte[] json) throws MalformedEvidenceException {
        try (JsonParser parser = JSON.createParser(json)) {
            JsonNode root = JSON.readTree(parser);
            if (root == null || !root.isObject()) {
                throw new MalformedEvidenceException("Azure evidence must be a JSON object");
            }
            if (parser.nextToken() != null) {
                throw new MalformedEvidenceException("Azure evidence has more after the JSON object ends");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new MalformedEvidenceException("Azure evidence is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedEvidenceException("Azure evidence cannot be read: " + e.getMessage());
        }
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static byte[] base64url(JsonNode root, String member) throws MalformedEvidenceException {
        JsonNode value = root.get(member);
        if (value == null || !value.isTextual()) {
            throw new MalformedEvidenceException("Azure evidence: \"" + member + "\" must be a base64url string");
        }
        try {
            return Base64.getUrlDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedEvidenceException("Azure evidence: \"" + member + "\" is not base64url");
        }
    }

    private static byte[] hex(JsonNode value, String member) throws MalformedEvidenceException {
        if (value == null || !value.isTextual()) {
            throw new MalformedEvidenceException("Azure evidence: \"" + member + "\" must be a hex string");
        }
        try {
            return HexFormat.of().parseHex(value.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedEvidenceException("Azure evidence: \"" + member + "\" is not hex");
        }
    }
}
