package dev.duet.attestation;

import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.Appraiser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpVerifier;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.attestation.x509.Certificates;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Verification and appraisal of any supported evidence in one call: genuine (signatures, chains to
 * pinned roots, bindings), current (collateral and certificates at {@code at}) and acceptable (the
 * policy). Pure; the caller supplies every byte and the time.
 */
public final class AttestationVerifier {
    private final AmdTrust amd;
    private final IntelTrust intel;
    private final SnpVerifier snp;
    private final QuoteVerifier dcap;
    private final SignatureCache cache;

    public AttestationVerifier(AmdTrust amd, IntelTrust intel, SignatureCache cache) {
        this.amd = amd;
        this.intel = intel;
        this.cache = cache;
        this.snp = new SnpVerifier(amd, cache);
        this.dcap = new QuoteVerifier(intel, cache);
    }

    public static AttestationVerifier vendorRoots() {
        return new AttestationVerifier(AmdTrust.amd(), IntelTrust.intel(), SignatureCache.create());
    }

    /** Azure vTPM evidence checked under the same roots: what a user trusts for SNP reports, they trust for HCL reports. */
    public AzureVtpmVerifier azureVtpm() {
        return new AzureVtpmVerifier(amd, intel, cache);
    }

    /**
     * What of {@code collateral} cannot take part in verifying this kind of evidence, one reason per
     * item (empty when all of it can). Verification would pass over such items in silence, and a user
     * who gave an Intel CRL with an SNP report, or AMD's ARK with a quote, would believe it took
     * part; so a caller refuses them instead. CRLs and certificates are sorted by issuer name here
     * only; verification still checks each signature.
     */
    public List<String> unusableCollateral(Evidence evidence, Collateral collateral) {
        List<String> unusable = new ArrayList<>();
        if (evidence instanceof Evidence.Snp) {
            if (!collateral.tcbInfos().isEmpty()) {
                unusable.add("a TCB Info (Intel collateral) does not apply to an SEV-SNP report");
            }
            if (!collateral.identities().isEmpty()) {
                unusable.add("a QE identity (Intel collateral) does not apply to an SEV-SNP report");
            }
            if (!collateral.certificates().isEmpty()) {
                unusable.add("issuer certificates (Intel collateral: " + Certificates.subject(collateral.certificates()
                        .get(0)) + ") do not apply to an SEV-SNP report");
            }
            for (X509CRL crl : collateral.crls()) {
                if (!amd.issuesCrlsAs(crl.getIssuerX500Principal())) {
                    unusable.add("the CRL of " + crl.getIssuerX500Principal().getName() + " does not apply to an SEV-SNP "
                            + "report (only an AMD ARK's CRL does)");
                }
            }
        } else {
            String quote = ((Evidence.Dcap) evidence).quote().tee() == TeeKind.TDX ? "a TDX quote" : "an SGX quote";
            for (X509CRL crl : collateral.crls()) {
                if (!intel.issuesCrlsAs(crl.getIssuerX500Principal())) {
                    unusable.add("the CRL of " + crl.getIssuerX500Principal().getName() + " does not apply to " + quote
                            + " (only the Intel SGX Root CA's and PCK CAs' CRLs do)");
                }
            }
            for (X509Certificate certificate : collateral.certificates()) {
                if (!intel.issuedByRoot(certificate)) {
                    unusable.add("the certificate of " + Certificates.subject(certificate) + " does not apply to " + quote
                            + " (only the Intel SGX Root CA and the certificates it issued do)");
                }
            }
        }
        return unusable;
    }

    public Verdict verify(Evidence evidence, Optional<EndorsementCertificate> endorsement, Collateral collateral,
            AppraisalPolicy policy, Instant at) {
        if (evidence instanceof Evidence.Dcap quote) {
            return Appraiser.appraise(dcap.verify(quote.quote(), collateral, at), policy, at);
        }
        Evidence.Snp report = (Evidence.Snp) evidence;
        if (endorsement.isEmpty()) {
            return new Verdict("SEV-SNP report v" + report.report().version(), TeeKind.SEV_SNP, List.of(
                    Check.fail("snp.endorsement", "the VCEK or VLEK certificate", "none",
                            "an SNP report can only be checked with the certificate of the key that signed it"),
                    Appraiser.evidenceKind(TeeKind.SEV_SNP, policy)),
                    new Verdict.Amd(report.report().productFromCpuid(), Optional.empty()));
        }
        return Appraiser.appraise(snp.verify(report.report(), endorsement.get(), at, collateral.crls()), policy);
    }
}
