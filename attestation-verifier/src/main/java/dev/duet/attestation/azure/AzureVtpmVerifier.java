package dev.duet.attestation.azure;

import dev.duet.attestation.Check;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.QuoteVerification;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.Appraiser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.SnpVerification;
import dev.duet.attestation.snp.SnpVerifier;
import dev.duet.attestation.x509.SignatureCache;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * Verifies Azure vTPM evidence bound to a nonce, in the chain Azure builds it: the hardware report
 * is genuine (SNP: signed by the VCEK chaining to the verifier's AMD roots; TDX: the same body as
 * a TD quote that verifies to its Intel root); the hardware report's report data holds the digest of the HCL's runtime
 * claims, so the claims are the HCL's; the claims name the vTPM attestation key (HCLAkPub); that key
 * signed a TPM2 quote whose qualifying data is the verifier's nonce and whose PCR digest is that of
 * the PCR values given. Pure: bytes, collateral and time in, a {@link Verdict} out.
 */
public final class AzureVtpmVerifier {
    /** The HCL runs at VMPL 0; a report from a higher VMPL was asked for by the guest, not by the HCL. */
    private static final long HCL_VMPL = 0;
    private static final int MIN_RSA_BITS = 2048;

    private final SnpVerifier snp;
    private final QuoteVerifier dcap;

    public AzureVtpmVerifier(AmdTrust amd, IntelTrust intel, SignatureCache cache) {
        this.snp = new SnpVerifier(amd, cache);
        this.dcap = new QuoteVerifier(intel, cache);
    }

    public static AzureVtpmVerifier vendorRoots() {
        return new AzureVtpmVerifier(AmdTrust.amd(), IntelTrust.intel(), SignatureCache.create());
    }

    /**
     * Accepted only when every check passes: the hardware verification and the policy's appraisal
     * of it, the claims binding, and the vTPM quote's signature, nonce and PCR digest. A TD quote is
     * appraised against {@code collateral} and the collateral the evidence carries: both are only
     * trusted as far as their signatures chain to the verifier's Intel root; where the policy
     * requires collateral, the CRL of the PCK's CA must be among it ({@code tdx.pck-revocation}).
     */
    public Verdict verify(AzureEvidence evidence, Octets nonce, Collateral collateral, AppraisalPolicy policy,
            Instant at) {
        HclReport hcl = evidence.hcl();
        List<Check> checks = new ArrayList<>();
        Verdict.Platform platform;
        TeeKind kind;
        if (hcl.hardware() instanceof HclReport.Snp report) {
            kind = TeeKind.SEV_SNP;
            if (evidence.vcek().isEmpty()) {
                checks.add(Check.fail("snp.endorsement", "the VCEK certificate", "none",
                        "an SNP report can only be checked with the certificate of the key that signed it"));
                platform = new Verdict.Amd(report.report().productFromCpuid(), Optional.empty());
            } else {
                SnpVerification verification = snp.verify(report.report(), evidence.vcek().get(), at, collateral.crls());
                Verdict appraised = Appraiser.appraise(verification, withoutReportData(policy));
                checks.addAll(appraised.checks());
                platform = appraised.platform();
            }
            checks.add(vmpl(report));
        } else {
            kind = TeeKind.TDX;
            TdReportStruct report = ((HclReport.Tdx) hcl.hardware()).report();
            if (evidence.tdQuote().isEmpty()) {
                checks.add(Check.fail("tdx.quote", "the TD quote of this TD report", "none",
                        "a TD report's MAC can only be checked on its CPU; off it only a quote vouches for it"));
                platform = new Verdict.Intel(Optional.empty(), Optional.empty(), 0);
            } else {
                Collateral all = collateral.plus(evidence.collateral());
                QuoteVerification verification = dcap.verify(evidence.tdQuote().get(), all, at);
                Verdict appraised = Appraiser.appraise(verification, withoutReportData(policy), at);
                checks.addAll(appraised.checks());
                platform = appraised.platform();
                if (policy.tcb().requireCollateral()) {
                    checks.add(pckRevocation(verification, all));
                }
                checks.add(sameBody(report, verification));
            }
            checks.add(tdHashes(report));
        }
        checks.add(claimsBinding(hcl));
        checks.addAll(vtpm(evidence, nonce));
        return new Verdict("Azure HCL report (" + hcl.hardware().name() + ") with vTPM quote", kind, checks, platform);
    }

    /**
     * The checks that need no hardware root: the HCL made the report (SNP: VMPL 0), the report binds
     * the claims, and the claims' attestation key signed a quote for {@code nonce} over the PCR values
     * given. A verifier that has no root for the hardware report (duet's simulated SNP chip, checked
     * by its logged VCEK alone) still runs these; {@link #verify} runs them with the chain.
     */
    public static List<Check> bindings(AzureEvidence evidence, Octets nonce) {
        List<Check> checks = new ArrayList<>();
        if (evidence.hcl().hardware() instanceof HclReport.Snp report) {
            checks.add(vmpl(report));
        }
        checks.add(claimsBinding(evidence.hcl()));
        checks.addAll(vtpm(evidence, nonce));
        return checks;
    }

    private static Check vmpl(HclReport.Snp report) {
        return report.report().vmpl() == HCL_VMPL
                ? Check.pass("hcl.vmpl", "the report was made at VMPL 0, where the HCL runs")
                : Check.fail("hcl.vmpl", "0", String.valueOf(report.report().vmpl()),
                        "the report was not made by the HCL (VMPL 0), so the guest chose its report data");
    }

    /** The report data of an HCL report is the claims' digest; a policy's expected report data cannot apply. */
    private static AppraisalPolicy withoutReportData(AppraisalPolicy policy) {
        return new AppraisalPolicy(policy.evidenceKinds(), policy.allowDebug(), Optional.empty(), policy.snp(),
                policy.tdx(), policy.sgx(), policy.tcb());
    }

    /** Whether the hardware report's report data holds the digest of the runtime claims (the claims are the HCL's). */
    public static Check claimsBinding(HclReport hcl) {
        byte[] digest = digest(hcl.hashType().jca(), hcl.claims().json().toByteArray());
        byte[] reportData = hcl.hardware().reportData().toByteArray();
        byte[] expected = Arrays.copyOf(digest, reportData.length);
        String field = hcl.hardware() instanceof HclReport.Snp ? "REPORT_DATA" : "REPORTDATA";
        return MessageDigest.isEqual(expected, reportData)
                ? Check.pass("hcl.claims-binding", "the " + field + " is the " + hcl.hashType().jca()
                        + " of the runtime claims, zero-padded: the claims are the HCL's")
                : Check.fail("hcl.claims-binding", Octets.copyOf(expected).hex(), Octets.copyOf(reportData).hex(),
                        "the runtime claims are not the ones the hardware report binds (" + field + " is not their "
                                + hcl.hashType().jca() + ")");
    }

    /**
     * Where collateral is required, so is the CRL of the CA that issued the quote's PCK (QuoteVerifier
     * checks every such CRL it is given: signature, dates, the PCK not on it). Collateral carried in
     * evidence comes from whoever wrote the evidence, and collateral without that CRL would otherwise
     * appraise a revoked PCK as sound.
     */
    private static Check pckRevocation(QuoteVerification verification, Collateral collateral) {
        if (verification.pck().isEmpty()) {
            return Check.fail("tdx.pck-revocation", "the PCK CA's CRL", "no PCK certificate", "without a PCK there is nothing to check");
        }
        X500Principal issuer = verification.pck().get().certificate().getIssuerX500Principal();
        return collateral.crls().stream().anyMatch(crl -> crl.getIssuerX500Principal().equals(issuer))
                ? Check.pass("tdx.pck-revocation", "the collateral holds the CRL of the PCK's CA (checked as dcap.crl)")
                : Check.fail("tdx.pck-revocation", "a CRL issued by " + issuer.getName(), "none",
                        "the PCK's revocation was not checked, so a revoked PCK would pass");
    }

    /** The quote vouches for the TD report only if it carries the same body, field by field. */
    private static Check sameBody(TdReportStruct report, QuoteVerification verification) {
        if (!(verification.quote().body() instanceof TdReport quoted)) {
            return Check.fail("tdx.report-match", "a TDX quote", "an SGX quote", "the quote is not a TD's");
        }
        TdReport mine = report.body();
        List<String> differ = new ArrayList<>();
        compare(differ, "TEE_TCB_SVN", mine.teeTcbSvn(), quoted.teeTcbSvn());
        compare(differ, "MRSEAM", mine.mrSeam(), quoted.mrSeam());
        compare(differ, "MRSIGNERSEAM", mine.mrSignerSeam(), quoted.mrSignerSeam());
        compare(differ, "SEAMATTRIBUTES", mine.seamAttributes(), quoted.seamAttributes());
        compare(differ, "TDATTRIBUTES", mine.tdAttributes(), quoted.tdAttributes());
        compare(differ, "XFAM", mine.xfam(), quoted.xfam());
        compare(differ, "MRTD", mine.mrTd(), quoted.mrTd());
        compare(differ, "MRCONFIGID", mine.mrConfigId(), quoted.mrConfigId());
        compare(differ, "MROWNER", mine.mrOwner(), quoted.mrOwner());
        compare(differ, "MROWNERCONFIG", mine.mrOwnerConfig(), quoted.mrOwnerConfig());
        for (int i = 0; i < 4; i++) {
            compare(differ, "RTMR" + i, mine.rtmrs().get(i), quoted.rtmrs().get(i));
        }
        compare(differ, "REPORTDATA", mine.reportData(), quoted.reportData());
        return differ.isEmpty()
                ? Check.pass("tdx.report-match", "the TD quote carries this TD report's body")
                : Check.fail("tdx.report-match", "the quote's values", String.join("; ", differ),
                        "the TD quote was made from another TD report");
    }

    private static void compare(List<String> differ, String field, Octets mine, Octets quoted) {
        if (!mine.equals(quoted)) {
            differ.add(field + " " + mine.hex() + " (quote " + quoted.hex() + ")");
        }
    }

    /**
     * The TD report's own digests of TEE_TCB_INFO and TDINFO: the quote carries the fields but not the
     * reserved bytes, so these make every hashed byte of the report count.
     */
    private static Check tdHashes(TdReportStruct report) {
        byte[] tcb = Arrays.copyOf(report.teeTcbInfo().toByteArray(), TdReportStruct.TEE_TCB_INFO_HASHED);
        boolean tcbOk = report.teeTcbInfoHash().contentEquals(digest("SHA-384", tcb));
        boolean infoOk = report.teeInfoHash().contentEquals(digest("SHA-384", report.tdInfo().toByteArray()));
        boolean typeOk = report.reportType().byteAt(0) == 0x81;
        return tcbOk && infoOk && typeOk
                ? Check.pass("tdx.report-hashes", "the TD report is of type TDX and its TEE_TCB_INFO_HASH and "
                        + "TEE_INFO_HASH are the SHA-384 of its TEE_TCB_INFO and TDINFO")
                : Check.fail("tdx.report-hashes", "type 0x81 and SHA-384 digests that match",
                        (typeOk ? "" : "type 0x" + Integer.toHexString(report.reportType().byteAt(0)) + " ")
                                + (tcbOk ? "" : "TEE_TCB_INFO_HASH differs ") + (infoOk ? "" : "TEE_INFO_HASH differs"),
                        "the TD report is not internally consistent");
    }

    private static List<Check> vtpm(AzureEvidence evidence, Octets nonce) {
        List<Check> checks = new ArrayList<>();
        TpmQuote quote = evidence.quote();
        Optional<RuntimeClaims.Key> ak = evidence.hcl().claims().attestationKey();
        Optional<PublicKey> key = ak.flatMap(k -> k.rsa()).flatMap(AzureVtpmVerifier::rsa);
        if (key.isEmpty()) {
            checks.add(Check.fail("vtpm.attestation-key", "an RSA key of at least " + MIN_RSA_BITS + " bits named "
                    + RuntimeClaims.ATTESTATION_KEY, ak.map(k -> k.kty() + " key").orElse("none"),
                    "the runtime claims name no usable vTPM attestation key"));
            checks.add(Check.fail("vtpm.quote-signature", "vTPM quote is not verified without an attestation key"));
        } else {
            checks.add(Check.pass("vtpm.attestation-key", RuntimeClaims.ATTESTATION_KEY + ": RSA "
                    + ak.get().rsa().get().bits() + " bits"));
            checks.add(signed(key.get(), quote.message().toByteArray(), evidence.quoteSignature().toByteArray())
                    ? Check.pass("vtpm.quote-signature", "RSASSA-PKCS1-v1_5 SHA-256 signature by "
                            + RuntimeClaims.ATTESTATION_KEY + " over the quote verifies")
                    : Check.fail("vtpm.quote-signature", "a valid signature by " + RuntimeClaims.ATTESTATION_KEY, "invalid",
                            "the quote was not signed by the attestation key the HCL names, or was changed"));
        }
        checks.add(quote.extraData().equals(nonce)
                ? Check.pass("vtpm.nonce", nonce.hex(), quote.extraData().hex(), "the quote is qualified by the nonce")
                : Check.fail("vtpm.nonce", nonce.hex(), quote.extraData().hex(),
                        "the quote was not made for this nonce (it may be replayed)"));
        checks.add(pcrDigest(quote, evidence.pcrs()));
        return checks;
    }

    private static Check pcrDigest(TpmQuote quote, List<Octets> pcrs) {
        boolean sha256Only = quote.pcrSelections().stream().allMatch(s -> s.hashAlg() == TpmQuote.SHA256);
        if (!sha256Only || quote.selectedCount() != pcrs.size()
                || pcrs.stream().anyMatch(pcr -> pcr.length() != 32)) {
            return Check.fail("vtpm.pcr-digest", quote.selectedCount() + " SHA-256 PCR values",
                    pcrs.size() + " values" + (sha256Only ? "" : ", and a bank other than SHA-256 is selected"),
                    "the PCR values given are not the ones the quote selects");
        }
        MessageDigest sha256 = sha("SHA-256");
        pcrs.forEach(pcr -> sha256.update(pcr.toByteArray()));
        byte[] actual = sha256.digest();
        return quote.pcrDigest().contentEquals(actual)
                ? Check.pass("vtpm.pcr-digest", "the " + pcrs.size() + " PCR values are the ones the quote signed")
                : Check.fail("vtpm.pcr-digest", quote.pcrDigest().hex(), Octets.copyOf(actual).hex(),
                        "the PCR values given are not the ones the quote signed");
    }

    private static Optional<PublicKey> rsa(RuntimeClaims.RsaKey key) {
        if (key.bits() < MIN_RSA_BITS || key.exponent().compareTo(BigInteger.valueOf(3)) < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(key.modulus(),
                    key.exponent())));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /** A provider exception counts as "not verified", like any other bad signature. */
    private static boolean signed(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        return sha(algorithm).digest(bytes);
    }

    private static MessageDigest sha(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
