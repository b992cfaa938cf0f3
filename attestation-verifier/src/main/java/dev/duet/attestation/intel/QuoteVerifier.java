package dev.duet.attestation.intel;

import dev.duet.attestation.Check;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.collateral.EnclaveIdentity;
import dev.duet.attestation.collateral.LevelMatch;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.collateral.TcbEvaluator;
import dev.duet.attestation.collateral.TcbInfo;
import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.Ecdsa;
import dev.duet.attestation.x509.SignatureCache;
import java.nio.ByteBuffer;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * Verifies a DCAP quote the way Intel's QVL does: the quote signature by the attestation key, the
 * QE report signed by the PCK, the QE report binding the attestation key, the PCK chain to the
 * trusted root (Intel's, pinned, unless the caller chose another), and (with collateral) CRLs, the
 * signed TCB Info and QE identity and the TCB levels. Checks name the root, so a verdict under a
 * root other than Intel's says so. Pure: collateral and time are inputs.
 */
public final class QuoteVerifier {
    private final IntelTrust trust;
    private final SignatureCache cache;
    private final java.util.concurrent.ConcurrentHashMap<Octets, List<X509Certificate>> chains =
            new java.util.concurrent.ConcurrentHashMap<>();

    public QuoteVerifier(IntelTrust trust, SignatureCache cache) {
        this.trust = trust;
        this.cache = cache;
    }

    public QuoteVerification verify(Quote quote, Collateral collateral, Instant at) {
        List<Check> checks = new ArrayList<>();
        checks.add(Check.pass("dcap.padding", quote.paddingBytes() == 0 ? "no bytes after the quote"
                : quote.paddingBytes() + (quote.paddingBytes() == 1 ? " zero byte" : " zero bytes")
                        + " after the quote ignored (it came in a zero-padded buffer)"));
        checks.add(quote.header().qeVendorId().equals(QuoteHeader.INTEL_QE_VENDOR)
                ? Check.pass("dcap.qe-vendor", "quoted by Intel's quoting enclave")
                : Check.fail("dcap.qe-vendor", QuoteHeader.INTEL_QE_VENDOR.hex(), quote.header().qeVendorId().hex(),
                        "the quoting enclave is not Intel's"));

        byte[] attestationKey = quote.signature().attestationKey().toByteArray();
        checks.add(Ecdsa.verifyP256(attestationKey, quote.signedBytes().toByteArray(),
                        quote.signature().signature().toByteArray())
                ? Check.pass("dcap.quote-signature", "the attestation key signed the header and body")
                : Check.fail("dcap.quote-signature", "a valid ECDSA P-256 signature", Ecdsa.isP256Point(attestationKey)
                        ? "invalid" : "the attestation key is not a P-256 point",
                        "the quote was not signed by its attestation key or was changed after signing"));

        byte[] expectedBinding = Arrays.copyOf(Certificates.sha256(ByteBuffer.allocate(64 + quote.signature()
                .qeAuthData().length()).put(quote.signature().attestationKey().toByteArray())
                .put(quote.signature().qeAuthData().toByteArray()).array()), 64);
        checks.add(quote.signature().qeReport().reportData().contentEquals(expectedBinding)
                ? Check.pass("dcap.qe-binding", "the QE report binds the attestation key and QE auth data")
                : Check.fail("dcap.qe-binding", Octets.copyOf(expectedBinding).hex(),
                        quote.signature().qeReport().reportData().hex(),
                        "QE REPORT_DATA is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes"));

        Optional<PckChain> chain = pckChain(quote, at, checks);
        Optional<PckCertificate> pck = chain.map(PckChain::pck);
        chain.ifPresent(c -> checks.add(Ecdsa.verify(c.pck().certificate().getPublicKey(),
                quote.signature().qeReport().raw().toByteArray(), quote.signature().qeReportSignature().toByteArray())
                ? Check.pass("dcap.qe-report-signature", "the PCK signed the QE report")
                : Check.fail("dcap.qe-report-signature", "a valid signature by the PCK", "invalid",
                        "the QE report was not signed by this platform's PCK")));

        Optional<TcbInfo> tcbInfo = Optional.empty();
        Optional<TcbAssessment> assessment = Optional.empty();
        if (chain.isPresent() && !collateral.isEmpty()) {
            revocation(collateral, chain.get(), at, checks);
            // CRLs alone are a valid input; the policy decides whether a missing TCB evaluation is acceptable.
            if (!collateral.tcbInfos().isEmpty() || !collateral.identities().isEmpty()) {
                tcbInfo = tcbInfo(quote, chain.get().pck(), collateral, at, checks);
                Optional<EnclaveIdentity> qeIdentity = qeIdentity(quote, collateral, at, checks);
                if (tcbInfo.isPresent() && qeIdentity.isPresent()) {
                    assessment = Optional.of(assess(quote, chain.get().pck(), tcbInfo.get(), qeIdentity.get(), checks));
                }
            }
        }
        return new QuoteVerification(quote, pck, tcbInfo, assessment, checks);
    }

    private record PckChain(PckCertificate pck, X509Certificate intermediate) {}

    private Optional<PckChain> pckChain(Quote quote, Instant at, List<Check> checks) {
        List<X509Certificate> certs;
        PckCertificate pck;
        try {
            certs = chain(quote.signature());
            if (certs.size() < 2) {
                throw new MalformedEvidenceException("the PCK chain needs a leaf and its CA; it has " + certs.size()
                        + " certificate");
            }
            pck = PckCertificate.from(certs.get(0));
        } catch (MalformedEvidenceException e) {
            checks.add(Check.fail("dcap.pck-chain", "a PEM chain: PCK leaf, PCK CA, root", "unreadable", e.getMessage()));
            return Optional.empty();
        }
        X509Certificate leaf = certs.get(0);
        X509Certificate intermediate = certs.get(1);
        if (intermediate.getBasicConstraints() < 0 || !cache.signedBy(intermediate, trust.rootKey())) {
            checks.add(Check.fail("dcap.pck-chain", "a PCK CA signed by " + trust.name() + " (key "
                    + Certificates.keyFingerprint(trust.rootKey()).hex().substring(0, 16) + "…)",
                    Certificates.subject(intermediate), "the PCK CA is not signed by the root key of " + trust.name()));
            return Optional.empty();
        }
        if (!cache.signedBy(leaf, intermediate.getPublicKey())) {
            checks.add(Check.fail("dcap.pck-chain", "a PCK leaf signed by " + Certificates.subject(intermediate),
                    "signature does not verify", "the PCK certificate is not from this CA"));
            return Optional.empty();
        }
        for (X509Certificate cert : List.of(trust.root(), intermediate, leaf)) {
            String invalid = Certificates.invalidAt(cert, at);
            if (invalid != null) {
                checks.add(Check.fail("dcap.pck-chain", "valid at " + at, invalid,
                        Certificates.subject(cert) + " is not valid at the verification time"));
                return Optional.empty();
            }
        }
        checks.add(Check.pass("dcap.pck-chain", "PCK (FMSPC " + pck.fmspc().hex() + ") -> "
                + intermediate.getSubjectX500Principal().getName() + " -> " + trust.name() + ", valid at " + at));
        return Optional.of(new PckChain(pck, intermediate));
    }

    /** Parsed PCK chains by content: a platform sends the same chain with every quote. */
    private List<X509Certificate> chain(QuoteSignature signature) throws MalformedEvidenceException {
        Octets pem = signature.certificationData();
        List<X509Certificate> known = cache.enabled() ? chains.get(pem) : null;
        if (known != null) {
            return known;
        }
        List<X509Certificate> parsed = Certificates.parsePemChain(signature.pemChain(), "PCK chain");
        if (cache.enabled()) {
            if (chains.size() >= 256) {
                chains.clear();
            }
            chains.put(pem, parsed);
        }
        return parsed;
    }

    /** One {@code dcap.crl} check for every CRL of this chain that the collateral holds (root CA's and PCK CA's). */
    private void revocation(Collateral collateral, PckChain chain, Instant at, List<Check> out) {
        List<Check> checks = new ArrayList<>();
        for (X509CRL crl : collateral.crls()) {
            X509Certificate issuer;
            X509Certificate subject;
            String name;
            if (crl.getIssuerX500Principal().equals(trust.root().getSubjectX500Principal())) {
                issuer = trust.root();
                subject = chain.intermediate();
                name = "root CA CRL";
            } else if (crl.getIssuerX500Principal().equals(chain.intermediate().getSubjectX500Principal())) {
                issuer = chain.intermediate();
                subject = chain.pck().certificate();
                name = "PCK CA CRL";
            } else {
                continue;
            }
            if (!cache.signedBy(crl, issuer.getPublicKey())) {
                checks.add(Check.fail("dcap.crl", "a " + name + " signed by " + Certificates.subject(issuer),
                        "signature does not verify", "the CRL is forged or from another CA with the same name"));
                continue;
            }
            Date when = Date.from(at);
            if (when.before(crl.getThisUpdate()) || crl.getNextUpdate() == null || when.after(crl.getNextUpdate())) {
                checks.add(Check.fail("dcap.crl", name + " current at " + at, crl.getThisUpdate().toInstant() + " to "
                        + (crl.getNextUpdate() == null ? "no nextUpdate" : crl.getNextUpdate().toInstant()),
                        "the " + name + " is stale or not yet valid"));
                continue;
            }
            checks.add(crl.isRevoked(subject)
                    ? Check.fail("dcap.crl", "not revoked", "revoked (serial " + subject.getSerialNumber().toString(16)
                            + ")", Certificates.subject(subject) + " is on Intel's " + name)
                    : Check.pass("dcap.crl", Certificates.subject(subject) + " is not on the " + name + " of "
                            + crl.getThisUpdate().toInstant()));
        }
        if (!checks.isEmpty()) {
            out.add(Check.combine("dcap.crl", checks));
        }
    }

    /** A collateral signer: a certificate chained to the trusted root, valid at {@code at}, whose key verifies. */
    private boolean signedByTcbSigner(Collateral collateral, Octets signed, Octets signature, Instant at) {
        List<X509Certificate> candidates = new ArrayList<>(trust.tcbSigners());
        candidates.addAll(collateral.certificates());
        for (X509Certificate signer : candidates) {
            if (signer.getBasicConstraints() < 0 && Certificates.invalidAt(signer, at) == null
                    && cache.signedBy(signer, trust.rootKey())
                    && cache.signedBy(signer.getPublicKey(), signed.toByteArray(), signature.toByteArray())) {
                return true;
            }
        }
        return false;
    }

    private static Check freshness(String id, String what, Instant issued, Instant next, Instant at) {
        if (at.isBefore(issued)) {
            return Check.fail(id, "issued before " + at, "issued " + issued, what + " is not valid yet");
        }
        if (at.isAfter(next)) {
            return Check.fail(id, "nextUpdate after " + at, "nextUpdate " + next, what + " has expired");
        }
        return Check.pass(id, what + " is current (issued " + issued + ", next update " + next + ")");
    }

    private Optional<TcbInfo> tcbInfo(Quote quote, PckCertificate pck, Collateral collateral, Instant at,
            List<Check> checks) {
        String id = quote.tee() == dev.duet.attestation.TeeKind.TDX ? "TDX" : "SGX";
        Optional<TcbInfo> match = collateral.tcbInfos().stream()
                .filter(info -> info.id().equals(id) && info.fmspc().equals(pck.fmspc()) && info.pceId().equals(pck.pceId()))
                .findFirst();
        if (match.isEmpty()) {
            checks.add(Check.fail("dcap.tcb-info", id + " TCB Info for FMSPC " + pck.fmspc().hex(), collateral.tcbInfos()
                    .stream().map(i -> i.id() + "/" + i.fmspc().hex()).toList().toString(),
                    "no TCB Info in the collateral is for this platform"));
            return Optional.empty();
        }
        TcbInfo info = match.get();
        if (!signedByTcbSigner(collateral, info.signedBytes(), info.signature(), at)) {
            checks.add(Check.fail("dcap.tcb-info", "signed by a TCB Signing certificate of " + trust.name(),
                    "signature does not verify", "the TCB Info is forged or altered"));
            return Optional.empty();
        }
        checks.add(Check.pass("dcap.tcb-info", id + " TCB Info for FMSPC " + info.fmspc().hex()
                + " signed under " + trust.name() + " (evaluation data number " + info.tcbEvaluationDataNumber() + ")"));
        checks.add(freshness("dcap.tcb-info-fresh", "the TCB Info", info.issueDate(), info.nextUpdate(), at));
        return Optional.of(info);
    }

    private Optional<EnclaveIdentity> qeIdentity(Quote quote, Collateral collateral, Instant at, List<Check> checks) {
        String id = quote.tee() == dev.duet.attestation.TeeKind.TDX ? "TD_QE" : "QE";
        Optional<EnclaveIdentity> match = collateral.identities().stream().filter(i -> i.id().equals(id)).findFirst();
        if (match.isEmpty()) {
            checks.add(Check.fail("dcap.qe-identity", id + " identity", collateral.identities().stream()
                    .map(EnclaveIdentity::id).toList().toString(), "the collateral has no identity for this quoting enclave"));
            return Optional.empty();
        }
        EnclaveIdentity identity = match.get();
        if (!signedByTcbSigner(collateral, identity.signedBytes(), identity.signature(), at)) {
            checks.add(Check.fail("dcap.qe-identity", "signed by a TCB Signing certificate of " + trust.name(),
                    "signature does not verify", "the QE identity is forged or altered"));
            return Optional.empty();
        }
        checks.add(Check.pass("dcap.qe-identity", id + " identity signed under " + trust.name()));
        checks.add(freshness("dcap.qe-identity-fresh", "the QE identity", identity.issueDate(), identity.nextUpdate(), at));
        return Optional.of(identity);
    }

    private static TcbAssessment assess(Quote quote, PckCertificate pck, TcbInfo info, EnclaveIdentity identity,
            List<Check> checks) {
        Optional<TdReport> td = quote.body() instanceof TdReport report ? Optional.of(report) : Optional.empty();
        LevelMatch platform = TcbEvaluator.platform(info, pck, td);
        checks.add(platform instanceof LevelMatch.Matched
                ? Check.pass("dcap.tcb-level", "platform TCB level: " + platform)
                : Check.fail("dcap.tcb-level", "a TCB level the platform meets", "no matching TCB level",
                        ((LevelMatch.NoMatchingLevel) platform).reason()));
        Optional<LevelMatch> module = Optional.empty();
        if (td.isPresent()) {
            Optional<TcbEvaluator.ModuleResult> result = TcbEvaluator.module(info, td.get());
            if (result.isPresent()) {
                module = Optional.of(result.get().level());
                checks.add(result.get().problems().isEmpty()
                        ? Check.pass("dcap.tdx-module", "TDX module " + result.get().id() + " identity matches")
                        : Check.fail("dcap.tdx-module", "module identity " + result.get().id(),
                                String.join("; ", result.get().problems()), "the TDX module is not Intel's"));
                checks.add(result.get().level() instanceof LevelMatch.Matched
                        ? Check.pass("dcap.tdx-module-level", "TDX module level: " + result.get().level())
                        : Check.fail("dcap.tdx-module-level", "a module TCB level", "no matching TCB level",
                                ((LevelMatch.NoMatchingLevel) result.get().level()).reason()));
            } else if (info.tdxModule().isPresent()) {
                boolean signer = info.tdxModule().get().mrSigner().equals(td.get().mrSignerSeam());
                checks.add(signer ? Check.pass("dcap.tdx-module", "TDX module signer matches the TCB Info")
                        : Check.fail("dcap.tdx-module", info.tdxModule().get().mrSigner().hex(),
                                td.get().mrSignerSeam().hex(), "MRSIGNERSEAM is not the TCB Info's module signer"));
            }
        }
        TcbEvaluator.ModuleResult qe = TcbEvaluator.qe(identity, quote.signature().qeReport(), td.isPresent());
        checks.add(qe.problems().isEmpty() ? Check.pass("dcap.qe-identity-match", "the QE matches " + qe.id())
                : Check.fail("dcap.qe-identity-match", qe.id(), String.join("; ", qe.problems()),
                        "the quoting enclave is not the one Intel's identity describes"));
        checks.add(qe.level() instanceof LevelMatch.Matched
                ? Check.pass("dcap.qe-level", "QE TCB level: " + qe.level())
                : Check.fail("dcap.qe-level", "a QE TCB level", "no matching TCB level",
                        ((LevelMatch.NoMatchingLevel) qe.level()).reason()));
        return new TcbAssessment(platform, module, qe.level(), info.tcbEvaluationDataNumber());
    }
}
