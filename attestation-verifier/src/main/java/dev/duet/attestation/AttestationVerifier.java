package dev.duet.attestation;

import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.QuoteVerifier;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.Appraiser;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.EndorsementCertificate;
import dev.duet.attestation.snp.SnpVerifier;
import dev.duet.attestation.x509.SignatureCache;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Verification and appraisal of any supported evidence in one call: genuine (signatures, chains to
 * pinned roots, bindings), current (collateral and certificates at {@code at}) and acceptable (the
 * policy). Pure; the caller supplies every byte and the time.
 */
public final class AttestationVerifier {
    private final SnpVerifier snp;
    private final QuoteVerifier dcap;

    public AttestationVerifier(AmdTrust amd, IntelTrust intel, SignatureCache cache) {
        this.snp = new SnpVerifier(amd, cache);
        this.dcap = new QuoteVerifier(intel, cache);
    }

    public static AttestationVerifier vendorRoots() {
        return new AttestationVerifier(AmdTrust.amd(), IntelTrust.intel(), SignatureCache.create());
    }

    public Verdict verify(Evidence evidence, Optional<EndorsementCertificate> endorsement, Collateral collateral,
            AppraisalPolicy policy, Instant at) {
        if (evidence instanceof Evidence.Dcap quote) {
            return Appraiser.appraise(dcap.verify(quote.quote(), collateral, at), policy, at);
        }
        Evidence.Snp report = (Evidence.Snp) evidence;
        if (endorsement.isEmpty()) {
            return new Verdict("SEV-SNP report v" + report.report().version(), List.of(Check.fail("snp.endorsement",
                    "the VCEK or VLEK certificate", "none",
                    "an SNP report can only be checked with the certificate of the key that signed it")));
        }
        return Appraiser.appraise(snp.verify(report.report(), endorsement.get(), at, collateral.crls()), policy);
    }
}
