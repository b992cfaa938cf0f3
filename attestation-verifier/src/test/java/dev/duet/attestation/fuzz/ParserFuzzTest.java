package dev.duet.attestation.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.azure.AzureEvidenceParser;
import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.azure.HclReportParser;
import dev.duet.attestation.azure.TpmQuoteParser;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.PolicyException;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SevCertificateTable;
import dev.duet.attestation.snp.SnpReportParser;
import dev.duet.attestation.x509.SignatureCache;
import java.time.Instant;

/**
 * The parsers are total: whatever the bytes, only their own error type escapes. Under plain
 * {@code mvn test} each method replays its seeds in ParserFuzzTestInputs/; with {@code -Pfuzz}
 * (JAZZER_FUZZ=1) Jazzer mutates them for the time given (docs/attestation.md).
 */
class ParserFuzzTest {
    private static final QuoteVerifier QUOTES = new QuoteVerifier(IntelTrust.intel(), SignatureCache.none());
    private static final AzureVtpmVerifier AZURE = new AzureVtpmVerifier(AmdTrust.amd(), IntelTrust.intel(),
            SignatureCache.none());

    @FuzzTest(maxDuration = "2m")
    void snpReport(byte[] input) {
        try {
            SnpReportParser.parse(input);
        } catch (MalformedEvidenceException expected) {
            // Refusing is the only other allowed outcome.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void dcapQuote(byte[] input) {
        try {
            // Verification too: it must turn any parsed quote into checks, never an exception.
            QUOTES.verify(QuoteParser.parse(input), dev.duet.attestation.collateral.Collateral.none(),
                    Instant.parse("2025-01-01T00:00:00Z"));
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void sevCertificateTable(byte[] input) {
        try {
            SevCertificateTable.parse(dev.duet.attestation.Octets.copyOf(input)).endorsement();
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void anyEvidence(byte[] input) {
        try {
            Evidence.parse(input);
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void collateral(byte[] input) {
        try {
            CollateralParser.parseJson(input);
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void endorsementCertificate(byte[] input) {
        try {
            EndorsementCertificate.parse(input);
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void policy(byte[] input) {
        try {
            PolicyParser.parse(input);
        } catch (PolicyException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void hclReport(byte[] input) {
        try {
            AzureVtpmVerifier.claimsBinding(HclReportParser.parse(input));
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void tpmQuote(byte[] input) {
        try {
            TpmQuoteParser.parse(input);
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
        try {
            TpmQuoteParser.rsassaSignature(input);
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }

    @FuzzTest(maxDuration = "2m")
    void azureEvidence(byte[] input) {
        try {
            // Verification too: any parsed evidence becomes checks, never an exception.
            AZURE.verify(AzureEvidenceParser.parseJson(input), Octets.copyOf(new byte[] {1}),
                    dev.duet.attestation.collateral.Collateral.none(), AppraisalPolicy.strict(),
                    Instant.parse("2025-01-01T00:00:00Z"));
        } catch (MalformedEvidenceException expected) {
            // Refused by the parser.
        }
    }
}
