package dev.duet.attestation;

import static dev.duet.attestation.TestVectors.bytes;
import static dev.duet.attestation.TestVectors.collateral;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.EndorsementCertificate;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every vector's verdict names each check once, with all the collateral its kind can take (both CRLs of a chain too). */
class VerdictIdsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "snp/milan_v2_debug_gosevguest_report.bin | snp/milan_v2_debug_gosevguest_vcek.der | | 2025-09-01T00:00:00Z",
        "snp/milan_v2_trustee_report.bin | snp/milan_v2_trustee_vcek.der | | 2025-09-01T00:00:00Z",
        "snp/milan_v3_vlek_aws_trustee_report.bin | snp/milan_v3_vlek_aws_trustee_vlek.der | | 2025-09-01T00:00:00Z",
        "snp/milan_v3_oak_report.bin | snp/milan_v3_oak_vcek.der | | 2025-09-01T00:00:00Z",
        "snp/genoa_v5_oak_report.bin | snp/genoa_v5_oak_vcek.der | | 2025-09-01T00:00:00Z",
        "snp/turin_v5_oak_report.bin | snp/turin_v5_oak_vcek.der | | 2025-09-01T00:00:00Z",
        "snp/milan_v3_oak_report.bin | | | 2025-09-01T00:00:00Z",
        "tdx/v5_emr_gotdxguest_quote.dat | | tdx/collateral/tdx_tcbinfo_90c06f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_gotdxguest.json tdx/collateral/pck_platform_crl_2023_gotdxguest.der roots/intel/intel_sgx_root_ca_crl_2023.der | 2023-06-20T00:00:00Z",
        "tdx/v4_gcp_cos113_gotdxguest_quote_padded8000.dat | | | 2025-01-01T00:00:00Z",
        "tdx/v4_spr_trustee_quote.dat | | tdx/collateral/tdx_tcbinfo_50806f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_gotdxguest.json tdx/collateral/pck_platform_crl_2023_gotdxguest.der roots/intel/intel_sgx_root_ca_crl_2023.der | 2023-06-20T00:00:00Z",
        "tdx/v5_emr_trustee_quote.dat | | tdx/collateral/tdx_tcbinfo_90c06f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_trustee.json | 2026-02-10T00:00:00Z",
        "tdx/v4_gnr_trustee_quote.dat | | tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json tdx/collateral/tdx_qe_identity_trustee.json sgx/collateral/pck_platform_crl_2025_automata.der roots/intel/intel_sgx_root_ca_crl_2025.der | 2025-11-01T00:00:00Z",
        "tdx/v4_azure_trustee_quote.dat | | | 2025-01-01T00:00:00Z",
        "tdx/v5_emr_phala_quote_notcbmatch.dat | | tdx/collateral/phala_collateral_for_v5_emr_phala_quote_notcbmatch.json | 2026-03-01T00:00:00Z",
        "sgx/v3_icx_occlum_trustee_quote.dat | | sgx/collateral/sgx_tcbinfo_00606a000000_automata.json sgx/collateral/sgx_qe_identity_automata.json sgx/collateral/pck_platform_crl_2025_automata.der roots/intel/intel_sgx_root_ca_crl_2025.der | 2025-08-20T00:00:00Z",
    })
    void eachCheckIdAppearsOnce(String evidence, String cert, String collateralFiles, String at) throws Exception {
        Verdict verdict = AttestationVerifier.vendorRoots().verify(Evidence.parse(bytes(evidence)),
                cert == null ? Optional.empty() : Optional.of(EndorsementCertificate.parse(bytes(cert))),
                collateral(collateralFiles == null ? "" : collateralFiles), AppraisalPolicy.strict(), Instant.parse(at));
        assertThat(verdict.checks()).extracting(Check::id).doesNotHaveDuplicates();
    }
}
