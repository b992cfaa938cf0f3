package dev.duet.attestation.intel;

import static dev.duet.attestation.TestVectors.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.SelfMadeCa;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.Appraiser;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.attestation.x509.SignatureCache;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1OctetString;
import org.junit.jupiter.api.Test;

/** Impostor roots, forged collateral, stale collateral and CRLs, debug TDs and enclaves, malformed quotes. */
class QuoteNegativeTest {
    private static final Instant GNR_TIME = Instant.parse("2025-11-01T00:00:00Z");
    private static final String INTEL_ROOT_NAME = "CN=Intel SGX Root CA,O=Intel Corporation,L=Santa Clara,ST=CA,C=US";
    private final QuoteVerifier verifier = new QuoteVerifier(IntelTrust.intel(), SignatureCache.create());

    private static List<String> failed(QuoteVerification result) {
        return result.checks().stream().filter(c -> !c.passed()).map(Check::id).toList();
    }

    private static Collateral gnrCollateral() throws Exception {
        return CollateralParser.parseJson(bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"))
                .plus(CollateralParser.parseJson(bytes("tdx/collateral/tdx_qe_identity_trustee.json")));
    }

    /** A v4 quote whose PCK chain and QE report signature are replaced; everything else is the original's. */
    private static byte[] withPckChain(byte[] original, String pemChain, byte[] qeReportSignature) throws Exception {
        Quote quote = QuoteParser.parse(original);
        byte[] chain = pemChain.getBytes(StandardCharsets.US_ASCII);
        byte[] auth = quote.signature().qeAuthData().toByteArray();
        ByteArrayOutputStream qeSection = new ByteArrayOutputStream();
        qeSection.write(quote.signature().qeReport().raw().toByteArray());
        qeSection.write(qeReportSignature);
        qeSection.write(le(2, auth.length));
        qeSection.write(auth);
        qeSection.write(le(2, 5));
        qeSection.write(le(4, chain.length));
        qeSection.write(chain);
        ByteArrayOutputStream signature = new ByteArrayOutputStream();
        signature.write(quote.signature().signature().toByteArray());
        signature.write(quote.signature().attestationKey().toByteArray());
        signature.write(le(2, 6));
        signature.write(le(4, qeSection.size()));
        qeSection.writeTo(signature);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(quote.signedBytes().toByteArray());
        out.write(le(4, signature.size()));
        signature.writeTo(out);
        return out.toByteArray();
    }

    private static byte[] le(int size, int value) {
        ByteBuffer buffer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value);
        return java.util.Arrays.copyOf(buffer.array(), size);
    }

    @Test
    void theRebuiltQuoteStillVerifiesSoTheForgeryTestsBelowTestOnlyTheRoot() throws Exception {
        byte[] original = bytes("tdx/v4_gnr_trustee_quote.dat");
        Quote quote = QuoteParser.parse(original);
        byte[] rebuilt = withPckChain(original, new String(quote.signature().certificationData().toByteArray(),
                StandardCharsets.US_ASCII), quote.signature().qeReportSignature().toByteArray());
        assertThat(verifier.verify(QuoteParser.parse(rebuilt), gnrCollateral(), GNR_TIME).verified()).isTrue();
    }

    @Test
    void aNameOnlyImpostorRootFails() throws Exception {
        byte[] original = bytes("tdx/v4_gnr_trustee_quote.dat");
        Quote quote = QuoteParser.parse(original);
        X509Certificate realLeaf = dev.duet.attestation.x509.Certificates.parsePemChain(quote.signature().pemChain(), "chain")
                .get(0);
        KeyPair rootKey = SelfMadeCa.ec("secp256r1");
        X509Certificate root = SelfMadeCa.certificate(INTEL_ROOT_NAME, rootKey.getPublic(), INTEL_ROOT_NAME,
                rootKey.getPrivate(), true, Map.of());
        String caName = "CN=Intel SGX PCK Platform CA,O=Intel Corporation,L=Santa Clara,ST=CA,C=US";
        KeyPair caKey = SelfMadeCa.ec("secp256r1");
        X509Certificate ca = SelfMadeCa.certificate(caName, caKey.getPublic(), INTEL_ROOT_NAME, rootKey.getPrivate(), true,
                Map.of());
        KeyPair leafKey = SelfMadeCa.ec("secp256r1");
        byte[] sgxExtension = ASN1OctetString.getInstance(realLeaf.getExtensionValue("1.2.840.113741.1.13.1")).getOctets();
        X509Certificate leaf = SelfMadeCa.certificate("CN=Intel SGX PCK Certificate,O=Intel Corporation,L=Santa Clara,ST=CA,C=US",
                leafKey.getPublic(), caName, caKey.getPrivate(), false,
                Map.of("1.2.840.113741.1.13.1", ASN1Primitive.fromByteArray(sgxExtension)));
        byte[] qeSignature = SelfMadeCa.signP1363("SHA256", leafKey.getPrivate(), quote.signature().qeReport().raw().toByteArray());
        byte[] forged = withPckChain(original, SelfMadeCa.pem(leaf, ca, root), qeSignature);

        QuoteVerification result = verifier.verify(QuoteParser.parse(forged), gnrCollateral(), GNR_TIME);
        assertThat(failed(result)).containsExactly("dcap.pck-chain");
        assertThat(result.pck()).isEmpty();
        assertThat(result.checks()).filteredOn(c -> c.id().equals("dcap.pck-chain")).singleElement()
                .extracting(Check::reason).asString().contains("root key of Intel SGX Root CA (pinned)");
    }

    @Test
    void collateralSignedUnderAnImpostorRootFails() throws Exception {
        KeyPair rootKey = SelfMadeCa.ec("secp256r1");
        X509Certificate root = SelfMadeCa.certificate(INTEL_ROOT_NAME, rootKey.getPublic(), INTEL_ROOT_NAME,
                rootKey.getPrivate(), true, Map.of());
        KeyPair signerKey = SelfMadeCa.ec("secp256r1");
        X509Certificate signer = SelfMadeCa.certificate("CN=Intel SGX TCB Signing,O=Intel Corporation,L=Santa Clara,ST=CA,C=US",
                signerKey.getPublic(), INTEL_ROOT_NAME, rootKey.getPrivate(), false, Map.of());
        String original = new String(bytes("tdx/collateral/tdx_tcbinfo_00a06d080000_trustee.json"), StandardCharsets.UTF_8);
        String info = original.substring(original.indexOf('{', 1), original.lastIndexOf(",\"signature\""))
                .replace("\"OutOfDate\"", "\"UpToDate\"");
        String signature = HexFormat.of().formatHex(SelfMadeCa.signP1363("SHA256", signerKey.getPrivate(),
                info.getBytes(StandardCharsets.UTF_8)));
        Collateral forged = CollateralParser.parseJson(("{\"tcbInfo\":" + info + ",\"signature\":\"" + signature + "\"}")
                .getBytes(StandardCharsets.UTF_8))
                .plus(new Collateral(List.of(), List.of(), List.of(), List.of(signer, root)))
                .plus(CollateralParser.parseJson(bytes("tdx/collateral/tdx_qe_identity_trustee.json")));
        QuoteVerification result = verifier.verify(QuoteParser.parse(bytes("tdx/v4_gnr_trustee_quote.dat")), forged, GNR_TIME);
        assertThat(failed(result)).containsExactly("dcap.tcb-info");
        assertThat(result.tcb()).isEmpty();
    }

    @Test
    void expiredCollateralFailsLaterAndPassesEarlier() throws Exception {
        Quote quote = QuoteParser.parse(bytes("tdx/v4_gnr_trustee_quote.dat"));
        assertThat(failed(verifier.verify(quote, gnrCollateral(), GNR_TIME))).isEmpty();
        QuoteVerification later = verifier.verify(quote, gnrCollateral(), Instant.parse("2025-12-15T00:00:00Z"));
        assertThat(failed(later)).containsExactly("dcap.tcb-info-fresh", "dcap.qe-identity-fresh");
        assertThat(later.checks()).filteredOn(c -> c.id().equals("dcap.tcb-info-fresh")).singleElement()
                .extracting(Check::reason).asString().contains("expired");
        QuoteVerification before = verifier.verify(quote, gnrCollateral(), Instant.parse("2025-10-01T00:00:00Z"));
        assertThat(failed(before)).containsExactly("dcap.tcb-info-fresh", "dcap.qe-identity-fresh");
        Verdict old = Appraiser.appraise(verifier.verify(quote, gnrCollateral(), Instant.parse("2025-11-25T00:00:00Z")),
                PolicyParser.parse("{\"tdx\": {}, \"tcb\": {\"maximumCollateralAgeDays\": 7, \"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\"]}}"
                        .getBytes(StandardCharsets.UTF_8)), Instant.parse("2025-11-25T00:00:00Z"));
        assertThat(old.failures()).extracting(Check::id).containsExactly("policy.collateral-age");
    }

    @Test
    void staleAndForgedCrlsFailAndCurrentOnesPass() throws Exception {
        Quote quote = QuoteParser.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat"));
        Collateral crl2025 = new Collateral(List.of(), List.of(), List.of(CollateralParser.crl(
                bytes("sgx/collateral/pck_platform_crl_2025_automata.der"))), List.of());
        assertThat(failed(verifier.verify(quote, crl2025, Instant.parse("2025-08-20T00:00:00Z")))).isEmpty();
        Collateral crl2023 = new Collateral(List.of(), List.of(), List.of(CollateralParser.crl(
                bytes("tdx/collateral/pck_platform_crl_2023_gotdxguest.der"))), List.of());
        assertThat(failed(verifier.verify(quote, crl2023, Instant.parse("2025-08-20T00:00:00Z")))).containsExactly("dcap.crl");
        KeyPair other = SelfMadeCa.ec("secp256r1");
        Collateral forged = new Collateral(List.of(), List.of(), List.of(SelfMadeCa.crl(
                "CN=Intel SGX PCK Platform CA,O=Intel Corporation,L=Santa Clara,ST=CA,C=US", other.getPrivate(),
                Instant.parse("2025-08-01T00:00:00Z"), Instant.parse("2025-09-01T00:00:00Z"), List.of())), List.of());
        assertThat(failed(verifier.verify(quote, forged, Instant.parse("2025-08-20T00:00:00Z")))).containsExactly("dcap.crl");
    }

    @Test
    void debugTdsAndEnclavesFailTheDefaultPolicy() throws Exception {
        Instant tdTime = Instant.parse("2023-06-20T00:00:00Z");
        QuoteVerification debugTd = verifier.verify(QuoteParser.parse(bytes("tdx/v4_spr_trustee_quote.dat")),
                CollateralParser.parseJson(bytes("tdx/collateral/tdx_tcbinfo_50806f000000_gotdxguest.json"))
                        .plus(CollateralParser.parseJson(bytes("tdx/collateral/tdx_qe_identity_gotdxguest.json"))), tdTime);
        assertThat(debugTd.verified()).isTrue();
        Verdict strict = Appraiser.appraise(debugTd, AppraisalPolicy.strict(), tdTime);
        assertThat(strict.failures()).extracting(Check::id).containsExactly("policy.debug");
        assertThat(strict.failures().get(0).reason()).contains("debug TD");

        Instant sgxTime = Instant.parse("2025-08-20T00:00:00Z");
        QuoteVerification enclave = verifier.verify(QuoteParser.parse(bytes("sgx/v3_icx_occlum_trustee_quote.dat")),
                CollateralParser.parseJson(bytes("sgx/collateral/sgx_tcbinfo_00606a000000_automata.json"))
                        .plus(CollateralParser.parseJson(bytes("sgx/collateral/sgx_qe_identity_automata.json"))), sgxTime);
        assertThat(Appraiser.appraise(enclave, AppraisalPolicy.strict(), sgxTime).failures()).extracting(Check::id)
                .containsExactly("policy.debug", "policy.tcb-status");
    }

    @Test
    void withoutCollateralTheTcbStatusIsUnknownAndTheStrictPolicyRefuses() throws Exception {
        Instant at = Instant.parse("2025-01-01T00:00:00Z");
        QuoteVerification azure = verifier.verify(QuoteParser.parse(bytes("tdx/v4_azure_trustee_quote.dat")),
                Collateral.none(), at);
        Verdict strict = Appraiser.appraise(azure, AppraisalPolicy.strict(), at);
        assertThat(strict.failures()).extracting(Check::id).containsExactly("policy.tcb-status");
        assertThat(strict.failures().get(0).actual()).isEqualTo("unknown");
        Verdict lenient = Appraiser.appraise(azure, PolicyParser.parse("{\"tdx\": {}, \"tcb\": {\"requireCollateral\": false}}"
                .getBytes(StandardCharsets.UTF_8)), at);
        assertThat(lenient.accepted()).isTrue();
    }

    @Test
    void noMatchingTcbLevelIsReportedAsItselfByThePolicy() throws Exception {
        Instant at = Instant.parse("2026-03-01T00:00:00Z");
        QuoteVerification phala = verifier.verify(QuoteParser.parse(bytes("tdx/v5_emr_phala_quote_notcbmatch.dat")),
                CollateralParser.parseJson(bytes("tdx/collateral/phala_collateral_for_v5_emr_phala_quote_notcbmatch.json")), at);
        Verdict verdict = Appraiser.appraise(phala, PolicyParser.parse(
                "{\"tdx\": {}, \"tcb\": {\"acceptedStatuses\": [\"UpToDate\", \"OutOfDate\", \"Revoked\"]}}".getBytes(StandardCharsets.UTF_8)),
                at);
        assertThat(verdict.failures()).extracting(Check::id).containsExactly("dcap.tcb-level", "policy.tcb-status");
        assertThat(verdict.failures()).allSatisfy(c -> assertThat(c.actual()).isEqualTo("no matching TCB level"));
    }

    @Test
    void alteredQeAuthDataBreaksOnlyTheBindingOfTheAttestationKey() throws Exception {
        byte[] quote = bytes("tdx/v4_gnr_trustee_quote.dat");
        int authData = 632 + 4 + 128 + 6 + 384 + 64 + 2;
        quote[authData] ^= 1;
        QuoteVerification result = verifier.verify(QuoteParser.parse(quote), Collateral.none(), GNR_TIME);
        assertThat(failed(result)).containsExactly("dcap.qe-binding");
    }

    @Test
    void malformedQuotesGetTheParsersOwnError() {
        byte[] quote = bytes("tdx/v5_emr_gotdxguest_quote.dat");
        assertThatThrownBy(() -> QuoteParser.parse(java.util.Arrays.copyOf(quote, 700)))
                .isInstanceOf(MalformedEvidenceException.class).hasMessageContaining("truncated");
        byte[] badType = quote.clone();
        badType[48] = 9;
        assertThatThrownBy(() -> QuoteParser.parse(badType)).hasMessageContaining("body type 9");
        byte[] wrongSize = quote.clone();
        wrongSize[50] = 1;
        assertThatThrownBy(() -> QuoteParser.parse(wrongSize)).hasMessageContaining("declares");
        byte[] certType = bytes("tdx/v4_azure_trustee_quote.dat");
        certType[632 + 4 + 128] = 7;
        assertThatThrownBy(() -> QuoteParser.parse(certType)).hasMessageContaining("certification data type 7");
        byte[] huge = bytes("tdx/v4_azure_trustee_quote.dat");
        huge[635] = (byte) 0x7f;
        assertThatThrownBy(() -> QuoteParser.parse(huge)).hasMessageContaining("signature data declares");
    }
}
