package dev.duet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.azure.AzureEvidence;
import dev.duet.attestation.azure.AzureEvidenceParser;
import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.azure.HclReport;
import dev.duet.attestation.azure.HclReportParser;
import dev.duet.attestation.azure.RuntimeClaims;
import dev.duet.attestation.azure.TpmQuote;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Azure evidence for {@code duet attest}: a raw HCL report (starts with "HCLA") or the evidence JSON
 * of the Confidential Containers attesters (HCL report, vTPM quote, and the VCEK or TD quote).
 */
final class AzureAttest {
    private static final byte[] HCLA = "HCLA".getBytes(StandardCharsets.US_ASCII);

    /** What the file holds: the HCL report alone, or full evidence with the vTPM quote. */
    record Input(HclReport hcl, Optional<AzureEvidence> evidence) {}

    private AzureAttest() {}

    /** The Azure evidence in {@code bytes} (read from {@code file}), or empty when it is not Azure's (then it is a report or quote). */
    static Optional<Input> parse(Path file, byte[] bytes) throws CliFailure {
        boolean raw = bytes.length >= HCLA.length && Octets.copyOfRange(bytes, 0, HCLA.length).contentEquals(HCLA);
        if (!raw && !AzureEvidenceParser.looksLikeJson(bytes)) {
            return Optional.empty();
        }
        try {
            if (raw) {
                return Optional.of(new Input(HclReportParser.parse(bytes), Optional.empty()));
            }
            AzureEvidence evidence = AzureEvidenceParser.parseJson(bytes);
            return Optional.of(new Input(evidence.hcl(), Optional.of(evidence)));
        } catch (MalformedEvidenceException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, file + ": " + e.getMessage());
        }
    }

    static Octets nonce(String hex) throws CliFailure {
        try {
            return Octets.fromHex(hex);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.INPUT_ERROR, "--nonce must be hex (the vTPM quote's qualifying data)");
        }
    }

    /** The header, the report type, the hardware report, the runtime claims and their binding; the vTPM quote when given. */
    static ObjectNode show(Input input) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        HclReport hcl = input.hcl();
        ObjectNode shown = nodes.objectNode();
        shown.put("kind", "azure hcl report");
        ObjectNode header = shown.putObject("header");
        header.put("version", hcl.version());
        header.put("reportSize", hcl.reportSize());
        header.put("requestType", hcl.requestType());
        header.put("hashType", hcl.hashType().jca());
        header.put("paddingBytes", hcl.paddingBytes());
        shown.put("reportType", hcl.hardware() instanceof HclReport.Snp ? "sev-snp" : "tdx");
        shown.set("report", hcl.hardware() instanceof HclReport.Snp snp ? EvidenceFields.fields(snp.report())
                : EvidenceFields.fields(((HclReport.Tdx) hcl.hardware()).report()));
        ObjectNode claims = shown.putObject("runtimeClaims");
        ArrayNode keys = claims.putArray("keys");
        for (RuntimeClaims.Key key : hcl.claims().keys()) {
            ObjectNode shownKey = keys.addObject();
            shownKey.put("kid", key.kid());
            shownKey.put("kty", key.kty());
            shownKey.put("keyOps", String.join(",", key.keyOps()));
            key.rsa().ifPresent(rsa -> shownKey.put("bits", rsa.bits()));
        }
        ObjectNode configuration = claims.putObject("vmConfiguration");
        hcl.claims().vmConfiguration().forEach(setting -> configuration.put(setting.name(), setting.value()));
        hcl.claims().userData().ifPresent(data -> claims.put("userData", data));
        Check binding = AzureVtpmVerifier.claimsBinding(hcl);
        shown.put("claimsBinding", (binding.passed() ? "ok: " : "FAIL: ") + binding.detail());
        input.evidence().ifPresent(evidence -> {
            TpmQuote quote = evidence.quote();
            ObjectNode tpm = shown.putObject("vtpmQuote");
            tpm.put("extraData", quote.extraData().hex());
            tpm.put("pcrDigest", quote.pcrDigest().hex());
            tpm.put("pcrsSelected", quote.selectedCount());
            tpm.put("clock", quote.clock());
            tpm.put("firmwareVersion", String.format("0x%016x", quote.firmwareVersion()));
            tpm.put("signatureBytes", evidence.quoteSignature().length());
            shown.put("endorsement", evidence.vcek().isPresent() ? "VCEK certificate"
                    : evidence.tdQuote().isPresent() ? "TD quote" : "none");
            if (!evidence.collateral().isEmpty()) {
                shown.put("collateral", evidence.collateral().tcbInfos().size() + " TCB Info, " + evidence.collateral().identities().size()
                        + " QE identity, " + evidence.collateral().crls().size() + " CRL: the Intel collateral the TD quote was appraised "
                        + "against, checked again on verify");
            }
        });
        return shown;
    }
}
