package dev.duet.attestation.intel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.Evidence;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.CollateralParser;
import dev.duet.attestation.collateral.LevelMatch;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.collateral.TcbStatus;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.Appraiser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.x509.SignatureCache;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simulated DCAP chain makes TDX quotes that duet's real verifier accepts under strict appraisal
 * when, and only when, it is told to trust the simulated root; and every part it signs is checked.
 */
class SimulatedDcapTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final SimulatedDcap SIM = SimulatedDcap.create(NOW);
    private static final byte[] REPORT_DATA = filled(64, 0x5a);
    private static final byte[] MR_TD = filled(48, 0x7d);
    private static final byte[] QUOTE = SIM.quote(SimulatedDcap.tdReport(REPORT_DATA, MR_TD));

    /** Offsets in the quote: header 48, TD report body 584, signature data length 4, then the signature data. */
    private static final int QUOTE_SIGNATURE = 48 + 584 + 4;
    private static final int QE_REPORT = QUOTE_SIGNATURE + 64 + 64 + 6;

    private static byte[] filled(int size, int value) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    /** Strict, for TDX only, with this TD's MRTD and REPORTDATA pinned. */
    private static AppraisalPolicy policy() {
        AppraisalPolicy strict = AppraisalPolicy.strict();
        AppraisalPolicy.Tdx tdx = strict.tdx();
        return new AppraisalPolicy(Set.of(TeeKind.TDX), false, Optional.of(Octets.copyOf(REPORT_DATA)), strict.snp(),
                new AppraisalPolicy.Tdx(Set.of(Octets.copyOf(MR_TD)), tdx.rtmrs(), tdx.mrConfigId(), tdx.minimumTeeTcbSvn()),
                strict.sgx(), strict.tcb());
    }

    private static Verdict appraise(IntelTrust trust, byte[] quote, byte[] bundle, Instant at) throws Exception {
        QuoteVerification verification = new QuoteVerifier(trust, SignatureCache.none())
                .verify(QuoteParser.parse(quote), CollateralParser.parseJson(bundle), at);
        return Appraiser.appraise(verification, policy(), at);
    }

    private static List<String> failed(Verdict verdict) {
        return verdict.failures().stream().map(Check::id).toList();
    }

    @Test
    void acceptedUnderTheSimulatedRootWithItsCollateral() throws Exception {
        Verdict verdict = appraise(SIM.trust(), QUOTE, SIM.collateralBundle(NOW), NOW);

        assertThat(verdict.failures()).isEmpty();
        assertThat(verdict.accepted()).isTrue();
        assertThat(verdict.kind()).isEqualTo(TeeKind.TDX);
        Verdict.Intel platform = (Verdict.Intel) verdict.platform();
        assertThat(platform.fmspc()).contains(SimulatedDcap.FMSPC);
        TcbAssessment tcb = platform.tcb().orElseThrow();
        assertThat(tcb.overall()).contains(TcbStatus.UP_TO_DATE);
        assertThat(tcb.module()).containsInstanceOf(LevelMatch.Matched.class);
        assertThat(verdict.checks()).extracting(Check::id).contains("dcap.crl", "dcap.tcb-info", "dcap.qe-identity",
                "dcap.tcb-level", "dcap.tdx-module", "dcap.qe-identity-match", "policy.collateral-age",
                "policy.tdx-module-status");
        assertThat(verdict.checks()).filteredOn(c -> c.id().equals("dcap.pck-chain")).singleElement()
                .satisfies(c -> assertThat(c.describe()).contains(SimulatedDcap.TRUST_NAME));
    }

    @Test
    void theQuoteCarriesTheTdReportItWasMadeFrom() throws Exception {
        TdReport body = (TdReport) QuoteParser.parse(QUOTE).body();
        assertThat(body.reportData()).isEqualTo(Octets.copyOf(REPORT_DATA));
        assertThat(body.mrTd()).isEqualTo(Octets.copyOf(MR_TD));
        assertThat(body.debug()).isFalse();
        assertThat(body.teeTcbSvn().hex()).isEqualTo("03010200000000000000000000000000");
    }

    @Test
    void refusedUnderIntelsRoot() throws Exception {
        Verdict verdict = appraise(IntelTrust.intel(), QUOTE, SIM.collateralBundle(NOW), NOW);

        assertThat(failed(verdict)).containsExactly("dcap.pck-chain", "policy.tcb-status");
    }

    @ParameterizedTest(name = "a flipped byte in the {0}")
    @CsvSource(delimiter = '|', value = {
        // part | offset in the quote | check that fails
        "TD report body (MROWNER, which the policy does not pin) | " + (48 + 232) + " | dcap.quote-signature",
        "quote signature | " + QUOTE_SIGNATURE + " | dcap.quote-signature",
        "QE report (MRENCLAVE) | " + (QE_REPORT + 64) + " | dcap.qe-report-signature",
    })
    void aFlippedByteIsRefused(String part, int offset, String check) throws Exception {
        byte[] quote = QUOTE.clone();
        quote[offset] ^= 0x01;

        assertThat(failed(appraise(SIM.trust(), quote, SIM.collateralBundle(NOW), NOW))).containsExactly(check);
    }

    @Test
    void aTamperedTcbInfoIsRefused() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode bundle = (ObjectNode) json.readTree(SIM.collateralBundle(NOW));
        String tcbInfo = bundle.get("tcb_info").asText();
        assertThat(tcbInfo).contains("\"pcesvn\":13");
        bundle.put("tcb_info", tcbInfo.replace("\"pcesvn\":13", "\"pcesvn\":12"));

        Verdict verdict = appraise(SIM.trust(), QUOTE, json.writeValueAsBytes(bundle), NOW);

        // Without a TCB Info it can trust, the platform has no TCB status.
        assertThat(failed(verdict)).containsExactly("dcap.tcb-info", "policy.tcb-status");
    }

    @Test
    void collateralOlderThanThirtyDaysIsRefused() throws Exception {
        byte[] stale = SIM.collateralBundle(NOW.minus(Duration.ofDays(31)));

        assertThat(failed(appraise(SIM.trust(), QUOTE, stale, NOW))).containsExactlyInAnyOrder("dcap.crl",
                "dcap.tcb-info-fresh", "dcap.qe-identity-fresh", "policy.collateral-age");
    }

    @Test
    void theWholeVerifierTakesTheBundleAndAcceptsTheQuote() throws Exception {
        AttestationVerifier verifier = new AttestationVerifier(AmdTrust.amd(), SIM.trust(), SignatureCache.none());
        Evidence evidence = Evidence.parse(QUOTE);
        Collateral collateral = CollateralParser.parseJson(SIM.collateralBundle(NOW));

        assertThat(verifier.unusableCollateral(evidence, collateral)).isEmpty();
        assertThat(verifier.verify(evidence, Optional.empty(), collateral, policy(), NOW).failures()).isEmpty();
    }
}
