package dev.duet.attestation.azure;

import dev.duet.attestation.Octets;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.snp.EndorsementCertificate;
import java.util.List;
import java.util.Optional;

/**
 * Evidence from an Azure confidential VM: the HCL report, the vTPM's quote with its RSASSA
 * signature and the PCR values it covers (SHA-256 bank, in selection order), and what verifies the
 * hardware report: the VCEK for SEV-SNP, the TD quote for TDX (the TD report itself carries only a
 * MAC that the CPU alone can check) with the Intel collateral it was appraised against, when the
 * evidence carries it (a controller logs it there, so that its appraisal can be repeated offline).
 */
public record AzureEvidence(
        HclReport hcl,
        TpmQuote quote,
        Octets quoteSignature,
        List<Octets> pcrs,
        Optional<EndorsementCertificate> vcek,
        Optional<Quote> tdQuote,
        Collateral collateral) {
    public AzureEvidence {
        pcrs = List.copyOf(pcrs);
    }
}
