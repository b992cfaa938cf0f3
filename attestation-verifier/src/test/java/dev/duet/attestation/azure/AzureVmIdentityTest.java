package dev.duet.attestation.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.Check;
import org.junit.jupiter.api.Test;

/** The VM a real Azure HCL report names (its vmUniqueId, recorded in MANIFEST.md's vectors) against the VM Azure created. */
class AzureVmIdentityTest {
    @Test
    void evidenceNamesTheVmItComesFromAndNoOther() throws Exception {
        AzureEvidence milan = AzureVectors.SNP_MILAN.evidence();
        assertThat(AzureVmIdentity.check(milan, "26F8BC30-774E-4290-8E7A-535F3B672AEE").passed()).isTrue();
        assertThat(AzureVmIdentity.check(milan, "26f8bc30-774e-4290-8e7a-535f3b672aee").passed()).as("GUIDs in any case").isTrue();
        Check other = AzureVmIdentity.check(milan, "390CBCF5-6C67-4D9B-98EF-C3F1699CC8FC");
        assertThat(other.passed()).isFalse();
        assertThat(other.describe()).contains("azure.vm-id").contains("26F8BC30-774E-4290-8E7A-535F3B672AEE");
        assertThat(AzureVmIdentity.check(AzureVectors.SNP_GENOA.evidence(), "390CBCF5-6C67-4D9B-98EF-C3F1699CC8FC").passed()).isTrue();
        assertThat(AzureVmIdentity.check(AzureVectors.TDX.evidence(), "6332533D-5649-4D02-8AA7-8F64B7C3EE21").passed()).isTrue();
        assertThat(AzureVmIdentity.check(AzureVectors.TDX.evidence(), "").passed()).isFalse();
    }

    @Test
    void claimsThatNameNoVmAreRefused() throws Exception {
        AzureEvidence milan = AzureVectors.SNP_MILAN.evidence();
        HclReport hcl = milan.hcl();
        RuntimeClaims claims = hcl.claims();
        RuntimeClaims without = new RuntimeClaims(claims.json(), claims.keys(),
                claims.vmConfiguration().stream().filter(s -> !s.name().equals("vmUniqueId")).toList(), claims.userData());
        AzureEvidence unnamed = new AzureEvidence(new HclReport(hcl.version(), hcl.reportSize(), hcl.requestType(), hcl.hardware(),
                hcl.hashType(), without, hcl.paddingBytes()), milan.quote(), milan.quoteSignature(), milan.pcrs(), milan.vcek(),
                milan.tdQuote(), milan.collateral());
        assertThat(AzureVmIdentity.check(unnamed, "26F8BC30-774E-4290-8E7A-535F3B672AEE").passed()).isFalse();
    }
}
