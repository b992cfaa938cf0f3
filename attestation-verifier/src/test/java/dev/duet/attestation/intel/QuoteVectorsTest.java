package dev.duet.attestation.intel;

import static dev.duet.attestation.TestVectors.bytes;
import static dev.duet.attestation.TestVectors.collateral;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.Check;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.LevelMatch;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.x509.SignatureCache;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every TDX and SGX vector: fields and TCB statuses as MANIFEST.md states them. */
class QuoteVectorsTest {
    private final QuoteVerifier verifier = new QuoteVerifier(IntelTrust.intel(), SignatureCache.create());


    /**
     * The vector's bytes as a platform sends them. go-tdx-guest appended 39 bytes of text to its SPR
     * quote to test that readers stop at the structure; duet refuses such bytes (TrailingBytesTest), so
     * they are cut here to check the quote itself.
     */
    static byte[] quoteBytes(String file) {
        byte[] bytes = bytes(file);
        return file.equals("tdx/v4_spr_gotdxguest_quote.dat") ? Arrays.copyOf(bytes, bytes.length - 39) : bytes;
    }

    static String describe(LevelMatch match) {
        return match instanceof LevelMatch.Matched m ? m.status().wire() : "none";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // quote | version | tee | zero padding | fmspc | collateral | at | platform | module | qe | failing checks
        "tdx/v4_spr_gotdxguest_quote.dat | 4 | TDX | 0 | 50806f000000 | tdx/collateral/tdx_tcbinfo_50806f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_gotdxguest.json | 2023-06-20T00:00:00Z | none | - | UpToDate | dcap.tcb-level",
        "tdx/v5_emr_gotdxguest_quote.dat | 5 | TDX | 0 | 90c06f000000 | tdx/collateral/tdx_tcbinfo_90c06f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_gotdxguest.json | 2026-02-10T00:00:00Z | UpToDate | UpToDate | UpToDate | dcap.qe-identity-fresh",
        "tdx/v4_gcp_cos113_gotdxguest_quote_padded8000.dat | 4 | TDX | 3065 | 00806f050000 | | 2025-01-01T00:00:00Z | - | - | - | ",
        "tdx/v4_spr_trustee_quote.dat | 4 | TDX | 0 | 50806f000000 | tdx/collateral/tdx_tcbinfo_50806f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_gotdxguest.json | 2023-06-20T00:00:00Z | UpToDate | - | UpToDate | ",
        "tdx/v5_emr_trustee_quote.dat | 5 | TDX | 0 | 90c06f000000 | tdx/collateral/tdx_tcbinfo_90c06f000000_gotdxguest.json tdx/collateral/tdx_qe_identity_trustee.json | 2026-02-10T00:00:00Z | none | OutOfDate | UpToDate | dcap.tcb-level dcap.qe-identity-fresh",
        "tdx/v4_gnr_trustee_quote.dat | 4 | TDX | 70 | 00a06d080000 | tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json tdx/collateral/tdx_qe_identity_trustee.json | 2025-11-01T00:00:00Z | OutOfDate | UpToDate | UpToDate | ",
        "tdx/v4_azure_trustee_quote.dat | 4 | TDX | 70 | 00806f050000 | | 2025-01-01T00:00:00Z | - | - | - | ",
        "tdx/v5_emr_phala_quote_notcbmatch.dat | 5 | TDX | 0 | 90c06f000000 | tdx/collateral/phala_collateral_for_v5_emr_phala_quote_notcbmatch.json | 2026-03-01T00:00:00Z | none | UpToDate | UpToDate | dcap.tcb-level",
        "sgx/v3_icx_occlum_trustee_quote.dat | 3 | SGX | 0 | 00606a000000 | sgx/collateral/sgx_tcbinfo_00606a000000_automata.json sgx/collateral/sgx_qe_identity_automata.json sgx/collateral/pck_platform_crl_2025_automata.der | 2025-08-20T00:00:00Z | OutOfDate | - | UpToDate | ",
    })
    void vectorVerifiesWithTheManifestsStatuses(String file, int version, TeeKind tee, int padding, String fmspc,
            String collateralFiles, String at, String platform, String module, String qe, String failing)
            throws Exception {
        Quote quote = QuoteParser.parse(quoteBytes(file));
        assertThat(quote.header().version()).isEqualTo(version);
        assertThat(quote.tee()).isEqualTo(tee);
        assertThat(quote.paddingBytes()).isEqualTo(padding);
        QuoteVerification result = verifier.verify(quote, collateral(collateralFiles == null ? "" : collateralFiles),
                Instant.parse(at));
        assertThat(result.pck().orElseThrow().fmspc().hex()).isEqualTo(fmspc);
        List<String> expectedFailures = failing == null ? List.of() : Arrays.asList(failing.split(" "));
        assertThat(result.checks()).filteredOn(c -> !c.passed()).extracting(Check::id)
                .containsExactlyInAnyOrderElementsOf(expectedFailures);
        for (String id : List.of("dcap.quote-signature", "dcap.qe-binding", "dcap.qe-report-signature", "dcap.pck-chain")) {
            assertThat(result.checks()).filteredOn(c -> c.id().equals(id)).singleElement()
                    .satisfies(c -> assertThat(c.passed()).as(c.describe()).isTrue());
        }
        if (platform.equals("-")) {
            assertThat(result.tcb()).isEmpty();
            return;
        }
        TcbAssessment tcb = result.tcb().orElseThrow();
        assertThat(describe(tcb.platform())).isEqualTo(platform);
        assertThat(tcb.module().map(QuoteVectorsTest::describe).orElse("-")).isEqualTo(module);
        assertThat(describe(tcb.qe())).isEqualTo(qe);
        if (platform.equals("none")) {
            assertThat(tcb.platform()).isInstanceOf(LevelMatch.NoMatchingLevel.class);
            assertThat(tcb.overall()).isEmpty();
        }
    }

    @Test
    void fieldsOfTheTdx15QuoteMatchTheManifest() throws Exception {
        Quote quote = QuoteParser.parse(bytes("tdx/v5_emr_trustee_quote.dat"));
        TdReport td = (TdReport) quote.body();
        assertThat(quote.bodyType()).isEqualTo(3);
        assertThat(quote.signedBytes().length()).isEqualTo(702);
        assertThat(td.teeTcbSvn().hex()).isEqualTo("05010200000000000000000000000000");
        assertThat(td.mrTd().hex()).startsWith("dfba221b48a22af8511542ee796603f3");
        assertThat(td.rtmrs().get(0).hex()).startsWith("9b529f3689e2e8eb");
        assertThat(td.mrServiceTd().orElseThrow().hex()).startsWith("383c87d3bbb047b2");
        assertThat(td.teeTcbSvn2().orElseThrow().hex()).isEqualTo("05010200000000000000000000000000");
        assertThat(td.reportData().hex()).startsWith("6d6ab13b046cff60");
        assertThat(td.xfam().hex()).isEqualTo("e742060000000000");
        assertThat(td.debug()).isFalse();
        assertThat(quote.signature().qeReport().isvSvn()).isEqualTo(6);
        assertThat(quote.signature().attestationKey().hex()).startsWith("dd91887a461170b0");
        assertThat(quote.header().userData().hex()).isEqualTo("da2c7e326c5696889a6a6ab4f8a64b1700000000");
    }

    @Test
    void fieldsOfTheV4AndSgxQuotesMatchTheManifest() throws Exception {
        TdReport debugTd = (TdReport) QuoteParser.parse(bytes("tdx/v4_spr_trustee_quote.dat")).body();
        assertThat(debugTd.debug()).isTrue();
        assertThat(debugTd.tdAttributes().hex()).isEqualTo("0100001000000000");
        TdReport gnr = (TdReport) QuoteParser.parse(bytes("tdx/v4_gnr_trustee_quote.dat")).body();
        assertThat(gnr.mrConfigId().hex()).startsWith("889abf4718f037e3");
        assertThat(gnr.teeTcbSvn2()).isEmpty();

        Quote sgx = QuoteParser.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat"));
        EnclaveReport enclave = (EnclaveReport) sgx.body();
        assertThat(sgx.header().qeSvn()).isEqualTo(8);
        assertThat(sgx.header().pceSvn()).isEqualTo(13);
        assertThat(enclave.mrEnclave().hex()).isEqualTo("8f173e4613ff05c52aaf04162d234edae8c9977eae47eb2299ae16a553011c68");
        assertThat(enclave.mrSigner().hex()).isEqualTo("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e");
        assertThat(enclave.miscSelect()).isEqualTo(1);
        assertThat(enclave.debug()).isTrue();
        assertThat(enclave.reportData().hex()).startsWith("7465737400");
        PckCertificate pck = new QuoteVerifier(IntelTrust.intel(), SignatureCache.create())
                .verify(sgx, Collateral.none(), Instant.parse("2025-08-20T00:00:00Z")).pck().orElseThrow();
        assertThat(pck.compSvn()).containsExactly(4, 4, 3, 3, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThat(pck.pceSvn()).isEqualTo(11);
        assertThat(pck.sgxType()).isEqualTo(1);
        assertThat(pck.ppid().hex()).isEqualTo("b9c92eb5053cb158956f4e68b6d82f52");
    }

    @Test
    void sgxPlatformLevelCarriesItsAdvisories() throws Exception {
        Quote sgx = QuoteParser.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat"));
        TcbAssessment tcb = verifier.verify(sgx, collateral("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json "
                + "sgx/collateral/sgx_qe_identity_automata.json"), Instant.parse("2025-08-20T00:00:00Z")).tcb().orElseThrow();
        LevelMatch.Matched platform = (LevelMatch.Matched) tcb.platform();
        assertThat(platform.tcbDate()).contains(Instant.parse("2021-11-10T00:00:00Z"));
        assertThat(platform.advisoryIds()).containsExactly("INTEL-SA-00586", "INTEL-SA-00614", "INTEL-SA-00615",
                "INTEL-SA-00657", "INTEL-SA-00730", "INTEL-SA-00738", "INTEL-SA-00767", "INTEL-SA-00828",
                "INTEL-SA-00837", "INTEL-SA-00960");
        assertThat(tcb.overall()).contains(dev.duet.attestation.collateral.TcbStatus.OUT_OF_DATE);
    }

    @Test
    void moduleOutOfDateNamesItsAdvisories() throws Exception {
        Quote quote = QuoteParser.parse(bytes("tdx/v5_emr_trustee_quote.dat"));
        TcbAssessment tcb = verifier.verify(quote, collateral("tdx/collateral/tdx_tcbinfo_90c06f000000_gotdxguest.json "
                + "tdx/collateral/tdx_qe_identity_trustee.json"), Instant.parse("2026-02-10T00:00:00Z")).tcb().orElseThrow();
        assertThat(((LevelMatch.Matched) tcb.module().orElseThrow()).advisoryIds())
                .containsExactly("INTEL-SA-01036", "INTEL-SA-01099");
    }
}
