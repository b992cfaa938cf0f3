package dev.duet.attestation.snp;

import dev.duet.attestation.Check;
import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.Ecdsa;
import dev.duet.attestation.x509.SignatureCache;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * Verifies an SNP report against its VCEK or VLEK and the AMD roots: the report signature, the
 * certificate chain, and that the certificate belongs to this report (product, TCB, chip). Pure:
 * everything it needs is passed in, including the time.
 */
public final class SnpVerifier {
    private final AmdTrust trust;
    private final SignatureCache cache;

    public SnpVerifier(AmdTrust trust, SignatureCache cache) {
        this.trust = trust;
        this.cache = cache;
    }

    /** {@code crls}: AMD CRLs to consult; those not issued by this product's ARK are not for this report. */
    public SnpVerification verify(SnpReport report, EndorsementCertificate endorsement, Instant at,
            List<X509CRL> crls) {
        List<Check> checks = new ArrayList<>();
        checks.add(format(report));

        Optional<SnpProduct> fromReport = report.productFromCpuid();
        Optional<SnpProduct> fromCert = endorsement.product();
        Optional<SnpProduct> product = fromReport.or(() -> fromCert);
        if (product.isEmpty()) {
            checks.add(Check.fail("snp.product", "Milan, Genoa or Turin",
                    report.cpuid().map(Object::toString).orElse("no CPUID (v2)") + ", certificate productName "
                            + endorsement.productName().orElse("absent"),
                    "the product line cannot be decided, so neither roots nor TCB layout are known"));
            return new SnpVerification(report, product, Optional.empty(), trust.name(), checks);
        }
        if (fromReport.isPresent() && fromCert.isPresent() && fromReport.get() != fromCert.get()) {
            checks.add(Check.fail("snp.product", fromReport.get().kdsName(), fromCert.get().kdsName(),
                    "the report's CPUID and the certificate's productName name different product lines"));
        } else {
            checks.add(Check.pass("snp.product", product.get().kdsName() + (fromReport.isPresent()
                    ? " (from the report's CPUID)" : " (from the certificate's productName; v2 reports carry no CPUID)")));
        }
        TcbVersion reported = TcbVersion.decode(report.reportedTcb(), product.get());

        Optional<SigningKey> signingKey = report.signingKey();
        if (signingKey.isEmpty() || signingKey.get() == SigningKey.NONE) {
            checks.add(Check.fail("snp.signing-key", "VCEK (0) or VLEK (1)", String.valueOf(report.signingKeyCode()),
                    "the report does not say it was signed by an endorsement key"));
            return new SnpVerification(report, product, Optional.of(reported), trust.name(), checks);
        }
        checks.add(chain(product.get(), signingKey.get(), endorsement.certificate(), at, checks));
        checks.add(signature(report, endorsement.certificate()));
        checks.add(tcb(product.get(), reported, endorsement));
        checks.add(chip(report, signingKey.get(), endorsement));
        List<Check> revocations = new ArrayList<>();
        trust.forProduct(product.get()).ifPresent(roots -> crls.stream()
                .filter(crl -> crl.getIssuerX500Principal().equals(roots.ark().getSubjectX500Principal()))
                .forEach(crl -> revocations.add(revocation(crl, product.get(), signingKey.get(), at))));
        if (!revocations.isEmpty()) {
            checks.add(Check.combine("snp.crl", revocations));
        }
        return new SnpVerification(report, product, Optional.of(reported), trust.name(), checks);
    }

    private static Check format(SnpReport report) {
        List<String> problems = new ArrayList<>();
        if (report.signatureAlgorithm() != 1) {
            problems.add("SIGNATURE_ALGO " + report.signatureAlgorithm() + " (only 1, ECDSA P-384 with SHA-384, exists)");
        }
        if (!report.policy().reservedOneSet()) {
            problems.add("POLICY bit 17 is 0 (reserved, must be 1)");
        }
        if (!report.reserved().signerInfoHighBitsZero()) {
            problems.add("reserved bits of the signer word at 0x48 are set");
        }
        if (!report.reserved().areasZero()) {
            problems.add("a reserved area of the signed part is not zero");
        }
        if (!report.reserved().signatureTailZero()) {
            problems.add("bytes after R and S in the signature field are not zero");
        }
        return problems.isEmpty() ? Check.pass("snp.format", "reserved fields are zero and the algorithm is ECDSA P-384")
                : Check.fail("snp.format", "a conforming report", String.join("; ", problems),
                        "the report breaks the ABI's must-be-zero rules");
    }

    private Check chain(SnpProduct product, SigningKey kind, X509Certificate leaf, Instant at, List<Check> out) {
        Optional<AmdTrust.ProductRoots> roots = trust.forProduct(product);
        if (roots.isEmpty()) {
            return Check.fail("snp.chain", "roots for " + product.kdsName(), "none in " + trust.name(),
                    "no trusted root for this product line");
        }
        X509Certificate ark = roots.get().ark();
        Optional<X509Certificate> intermediate = kind == SigningKey.VCEK ? Optional.of(roots.get().ask())
                : roots.get().asvk();
        String intermediateName = kind == SigningKey.VCEK ? "ASK" : "ASVK";
        if (intermediate.isEmpty()) {
            return Check.fail("snp.chain", intermediateName, "none", "the trusted roots have no " + intermediateName);
        }
        if (!cache.signedBy(intermediate.get(), ark.getPublicKey())) {
            return Check.fail("snp.chain", intermediateName + " signed by the " + product.kdsName() + " ARK",
                    "signature does not verify", "the " + intermediateName + " is not from this ARK");
        }
        if (!cache.signedBy(leaf, intermediate.get().getPublicKey())) {
            return Check.fail("snp.chain", kind + " signed by the " + product.kdsName() + " " + intermediateName,
                    "signature does not verify (issuer " + leaf.getIssuerX500Principal().getName() + ")",
                    "the " + kind + " certificate does not chain to " + trust.name());
        }
        if (Ecdsa.fieldBytes(leaf.getPublicKey()) != 48) {
            return Check.fail("snp.chain", "an EC P-384 key", leaf.getPublicKey().getAlgorithm(),
                    "the " + kind + " certificate's key cannot have signed an SNP report");
        }
        for (X509Certificate cert : List.of(ark, intermediate.get(), leaf)) {
            String invalid = Certificates.invalidAt(cert, at);
            if (invalid != null) {
                return Check.fail("snp.chain", "valid at " + at, invalid,
                        Certificates.subject(cert) + " is not valid at the verification time");
            }
        }
        return Check.pass("snp.chain", kind + " -> " + intermediateName + " -> ARK (" + product.kdsName() + ", "
                + trust.name() + "), all valid at " + at);
    }

    private static Check signature(SnpReport report, X509Certificate leaf) {
        byte[] rs = report.signatureRs();
        boolean ok = report.signatureAlgorithm() == 1
                && Ecdsa.fieldBytes(leaf.getPublicKey()) == 48 && Ecdsa.verify(leaf.getPublicKey(), report.signedBytes().toByteArray(), rs);
        return ok ? Check.pass("snp.signature", "ECDSA P-384 signature over bytes 0x000..0x29F verifies")
                : Check.fail("snp.signature", "a valid signature by the endorsement key", "invalid",
                        "the report was not signed by this VCEK/VLEK or was changed after signing");
    }

    private static Check tcb(SnpProduct product, TcbVersion reported, EndorsementCertificate endorsement) {
        TcbVersion certified = endorsement.tcb(product);
        boolean fmcMissing = product.hasFmc() && endorsement.fmc().isEmpty();
        return certified.raw() == reported.raw() && !fmcMissing
                ? Check.pass("snp.tcb-binding", reported.toString(), certified.toString(),
                        "the certificate was issued for the report's REPORTED_TCB")
                : Check.fail("snp.tcb-binding", reported.toString(), certified + (fmcMissing ? " (no fmcSPL)" : ""),
                        "the certificate's TCB extensions differ from the report's REPORTED_TCB");
    }

    private static Check chip(SnpReport report, SigningKey kind, EndorsementCertificate endorsement) {
        if (kind == SigningKey.VLEK) {
            return endorsement.hwId().isEmpty()
                    ? Check.pass("snp.chip-binding", "a VLEK is bound to a cloud provider ("
                            + endorsement.cspId().orElse("no cspID") + "), not to a chip")
                    : Check.fail("snp.chip-binding", "a VLEK certificate without hwID", "hwID present",
                            "the report says VLEK but the certificate is a VCEK");
        }
        if (endorsement.hwId().isEmpty()) {
            return Check.fail("snp.chip-binding", "a hwID extension", "none",
                    "the report says VCEK but the certificate names no chip");
        }
        byte[] hwId = endorsement.hwId().get().toByteArray();
        byte[] chip = report.chipId().toByteArray();
        boolean prefix = hwId.length <= chip.length;
        for (int i = 0; prefix && i < chip.length; i++) {
            prefix = chip[i] == (i < hwId.length ? hwId[i] : 0);
        }
        if (report.chipIdMasked()) {
            return Check.fail("snp.chip-binding", endorsement.hwId().get().hex(), "CHIP_ID masked (MASK_CHIP_ID=1)",
                    "the chip id is hidden, so the VCEK cannot be tied to this chip");
        }
        return prefix ? Check.pass("snp.chip-binding", endorsement.hwId().get().hex(), report.chipId().hex(),
                "the VCEK belongs to the chip that signed") : Check.fail("snp.chip-binding",
                        endorsement.hwId().get().hex(), report.chipId().hex(), "the VCEK is another chip's");
    }

    private Check revocation(X509CRL crl, SnpProduct product, SigningKey kind, Instant at) {
        AmdTrust.ProductRoots roots = trust.forProduct(product).orElseThrow();
        if (!cache.signedBy(crl, roots.ark().getPublicKey())) {
            return Check.fail("snp.crl", "a CRL signed by the " + product.kdsName() + " ARK", "signature does not verify",
                    "the CRL is not AMD's for this product line");
        }
        Date when = Date.from(at);
        if (when.before(crl.getThisUpdate()) || crl.getNextUpdate() == null || when.after(crl.getNextUpdate())) {
            return Check.fail("snp.crl", "a CRL current at " + at, crl.getThisUpdate().toInstant() + " to "
                    + (crl.getNextUpdate() == null ? "no nextUpdate" : crl.getNextUpdate().toInstant()),
                    "the CRL is stale or not yet valid");
        }
        // An ARK's CRL can only list certificates the ARK issued: the ASK and ASVK, not VCEKs.
        X509Certificate intermediate = kind == SigningKey.VCEK ? roots.ask() : roots.asvk().orElseThrow();
        if (crl.isRevoked(intermediate)) {
            BigInteger serial = intermediate.getSerialNumber();
            return Check.fail("snp.crl", "not revoked", "revoked (serial " + serial.toString(16) + ")",
                    Certificates.subject(intermediate) + " is on AMD's revocation list");
        }
        return Check.pass("snp.crl", "the " + (kind == SigningKey.VCEK ? "ASK" : "ASVK") + " is not revoked (CRL of "
                + crl.getThisUpdate().toInstant() + ")");
    }
}
