package dev.duet.attestation.azure;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.policy.AppraisalPolicy;
import org.junit.jupiter.api.Test;

/**
 * The {@code collateral} member a controller adds to Azure TDX evidence: the real Azure TDX vector
 * with real Intel collateral (of another platform: no public collateral for the vector's FMSPC
 * exists among the vectors) inside it. The quote is then appraised against what the evidence
 * carries, and the member is refused where it cannot belong.
 */
class AzureEvidenceCollateralTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode withCollateral(String vector) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(AzureVectors.json(vector));
        root.set("collateral", JSON.readTree(CollateralParser.bundle(bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"), "",
                bytes("tdx/collateral/tdx_qe_identity_trustee.json"), "", bytes("tdx/collateral/pck_platform_crl_2023_gotdxguest.der"))));
        return root;
    }

    private static Verdict verify(AzureEvidence evidence) {
        AzureVectors vector = AzureVectors.TDX;
        return AzureVtpmVerifier.vendorRoots().verify(evidence, vector.nonce(), Collateral.none(), AppraisalPolicy.strict(), vector.at());
    }

    @Test
    void aTdQuoteIsAppraisedAgainstTheCollateralTheEvidenceCarries() throws Exception {
        AzureEvidence carrying = AzureEvidenceParser.parseJson(JSON.writeValueAsBytes(withCollateral(AzureVectors.TDX.file())));
        assertThat(carrying.collateral().tcbInfos()).hasSize(1);
        assertThat(carrying.collateral().identities()).hasSize(1);

        assertThat(verify(AzureVectors.TDX.evidence()).failures()).extracting(Check::id).contains("policy.tcb-status")
                .doesNotContain("dcap.tcb-info");
        assertThat(verify(carrying).failures()).as("the carried TCB Info is read, and is for another platform")
                .anySatisfy(c -> {
                    assertThat(c.id()).isEqualTo("dcap.tcb-info");
                    assertThat(c.describe()).contains("00806f050000");
                });
    }

    @Test
    void collateralIsRefusedBesideAnSnpReportOrWhenItIsNoBundle() throws Exception {
        assertThatThrownBy(() -> AzureEvidenceParser.parseJson(JSON.writeValueAsBytes(withCollateral(AzureVectors.SNP_MILAN.file()))))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("only beside a \"td_quote\"");

        ObjectNode text = withCollateral(AzureVectors.TDX.file());
        text.put("collateral", "tcb");
        assertThatThrownBy(() -> AzureEvidenceParser.parseJson(JSON.writeValueAsBytes(text)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("is an object");

        ObjectNode empty = withCollateral(AzureVectors.TDX.file());
        empty.set("collateral", JSON.createObjectNode());
        assertThatThrownBy(() -> AzureEvidenceParser.parseJson(JSON.writeValueAsBytes(empty)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("\"collateral\": ");

        ObjectNode misspelt = withCollateral(AzureVectors.TDX.file());
        ObjectNode bundle = (ObjectNode) misspelt.get("collateral");
        bundle.set("pckcrl", bundle.remove("pck_crl"));
        assertThatThrownBy(() -> AzureEvidenceParser.parseJson(JSON.writeValueAsBytes(misspelt)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("unknown member \"collateral.pckcrl\"");

        ObjectNode notJson = withCollateral(AzureVectors.TDX.file());
        ((ObjectNode) notJson.get("collateral")).put("tcb_info", "{\"tcbInfo\":");
        assertThatThrownBy(() -> AzureEvidenceParser.parseJson(JSON.writeValueAsBytes(notJson)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("\"collateral\": ");
    }
}
