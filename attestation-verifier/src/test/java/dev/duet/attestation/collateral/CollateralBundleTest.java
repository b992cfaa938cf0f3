package dev.duet.attestation.collateral;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.Quote;
import dev.duet.attestation.intel.QuoteParser;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.x509.SignatureCache;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CollateralParser#bundle}: Intel's PCS bodies (real ones, from the test vectors) made into
 * the one QuoteCollateralV3 object a controller logs inside Azure TDX evidence. What matters is that
 * the bundle appraises a real quote exactly as the bodies it was made from do, also after it is
 * re-serialised, and that a bundle whose signed text changed does not.
 */
class CollateralBundleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUOTE = "tdx/v4_gnr_trustee_quote.dat";
    private static final String TCB_INFO = "tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json";
    private static final String QE_IDENTITY = "tdx/collateral/tdx_qe_identity_trustee.json";
    private static final String PCK_CRL = "tdx/collateral/pck_platform_crl_2023_gotdxguest.der";
    private static final Instant AT = Instant.parse("2025-11-01T00:00:00Z");

    private final QuoteVerifier verifier = new QuoteVerifier(IntelTrust.intel(), SignatureCache.none());

    private static byte[] bundle() throws MalformedEvidenceException {
        return CollateralParser.bundle(bytes(TCB_INFO), "", bytes(QE_IDENTITY), "", bytes(PCK_CRL));
    }

    private List<String> outcome(Collateral collateral) throws MalformedEvidenceException {
        Quote quote = QuoteParser.parse(bytes(QUOTE));
        return verifier.verify(quote, collateral, AT).checks().stream().map(Check::describe).toList();
    }

    @Test
    void aBundleAppraisesARealQuoteAsTheBodiesItWasMadeFrom() throws Exception {
        List<String> fromBodies = outcome(TestVectors.collateral(TCB_INFO + " " + QE_IDENTITY + " " + PCK_CRL));
        assertThat(fromBodies).anyMatch(c -> c.contains("dcap.tcb-info") && c.startsWith("ok"));
        assertThat(outcome(CollateralParser.parseJson(bundle()))).isEqualTo(fromBodies);

        byte[] reserialised = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.readTree(bundle()));
        assertThat(outcome(CollateralParser.parseJson(reserialised))).as("the signed text survives re-serialisation").isEqualTo(fromBodies);
    }

    @Test
    void aBundleWhoseSignedTextChangedNoLongerVerifies() throws Exception {
        ObjectNode bundle = (ObjectNode) JSON.readTree(bundle());
        bundle.put("tcb_info", bundle.get("tcb_info").asText().replace("\"UpToDate\"", "\"UpToDate\" "));
        List<String> checks = outcome(CollateralParser.parseJson(JSON.writeValueAsBytes(bundle)));
        assertThat(checks).anyMatch(c -> c.contains("dcap.tcb-info") && c.startsWith("FAIL"));
    }

    @Test
    void bodiesOfTheWrongKindAreRefused() {
        assertThatThrownBy(() -> CollateralParser.bundle(bytes(QE_IDENTITY), "", bytes(TCB_INFO), "", bytes(PCK_CRL)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("in that order");
        assertThatThrownBy(() -> CollateralParser.bundle(bytes(TCB_INFO), "", bytes(QE_IDENTITY), "", "no CRL".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(MalformedEvidenceException.class);
    }
}
