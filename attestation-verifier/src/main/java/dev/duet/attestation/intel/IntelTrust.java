package dev.duet.attestation.intel;

import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.EmbeddedRoots;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The root a DCAP quote must chain to, and the TCB Signing certificates issued under it. {@link
 * #intel()} is the Intel SGX Root CA, pinned by the SHA-256 of its key (never by name: Intel's own
 * sample data ships a fake root with the genuine subject); {@link #explicit} is for a root the caller
 * chose to trust (the simulated DCAP of tests), and the verdict names it. The signing certificates
 * are a convenience for collateral that arrives without its issuer chain; each is still checked
 * against the root and its dates on every use.
 */
public final class IntelTrust {
    private static final Set<String> PCK_CAS = Set.of("Intel SGX PCK Platform CA", "Intel SGX PCK Processor CA");
    private static final String ROOT_KEY_SHA256 = "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e";
    private static final IntelTrust INTEL = loadIntel();

    private final String name;
    private final X509Certificate root;
    private final List<X509Certificate> tcbSigners;

    private IntelTrust(String name, X509Certificate root, List<X509Certificate> tcbSigners) {
        this.name = name;
        this.root = root;
        this.tcbSigners = List.copyOf(tcbSigners);
    }

    public static IntelTrust intel() {
        return INTEL;
    }

    /** {@code root} and its TCB signers, trusted because the caller says so; {@code name} says whose they are. */
    public static IntelTrust explicit(String name, X509Certificate root, List<X509Certificate> tcbSigners) {
        if (name.equals(INTEL.name)) {
            // A verdict names the root it chained to: another root must never read as Intel's pinned one.
            throw new IllegalArgumentException("an explicit root cannot be named as Intel's pinned one");
        }
        return new IntelTrust(name, root, tcbSigners);
    }

    private static IntelTrust loadIntel() {
        X509Certificate root = EmbeddedRoots.load("intel_sgx_root_ca.pem");
        if (!Certificates.keyFingerprint(root.getPublicKey()).hex().equals(ROOT_KEY_SHA256)) {
            throw new IllegalStateException("the embedded Intel SGX Root CA does not match its pin");
        }
        return new IntelTrust("Intel SGX Root CA (pinned)", root, List.of(
                EmbeddedRoots.load("intel_sgx_tcb_signing_notafter2025.pem"),
                EmbeddedRoots.load("intel_sgx_tcb_signing_notafter2032.pem")));
    }

    /** Whose root this is, as verdicts print it. */
    public String name() {
        return name;
    }

    public X509Certificate root() {
        return root;
    }

    public PublicKey rootKey() {
        return root.getPublicKey();
    }

    public List<X509Certificate> tcbSigners() {
        return tcbSigners;
    }

    /**
     * Whether a CRL so named comes from the root or one of the PCK CAs under it (Platform, Processor),
     * by name only: the signature of a CRL is checked against the quote's own chain on use.
     */
    public boolean issuesCrlsAs(X500Principal issuer) {
        if (issuer.equals(root.getSubjectX500Principal())) {
            return true;
        }
        // Intel's CRLs and certificates write the name's parts in either order, so compare the parts.
        try {
            X500Name name = X500Name.getInstance(issuer.getEncoded());
            return value(name, BCStyle.O).equals("Intel Corporation") && PCK_CAS.contains(value(name, BCStyle.CN));
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /**
     * Whether a certificate given as collateral can take part in verifying a quote: the root, or a
     * certificate it issued (a TCB Signing certificate), by issuer name only; its signature is
     * checked against the root on use.
     */
    public boolean issuedByRoot(X509Certificate certificate) {
        X500Principal issuer = certificate.getIssuerX500Principal();
        if (issuer.equals(root.getSubjectX500Principal())) {
            return true;
        }
        try {
            X500Name name = X500Name.getInstance(issuer.getEncoded());
            return value(name, BCStyle.O).equals("Intel Corporation") && value(name, BCStyle.CN).equals("Intel SGX Root CA");
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    private static String value(X500Name name, ASN1ObjectIdentifier attribute) {
        RDN[] parts = name.getRDNs(attribute);
        return parts.length == 1 ? IETFUtils.valueToString(parts[0].getFirst().getValue()) : "";
    }
}
