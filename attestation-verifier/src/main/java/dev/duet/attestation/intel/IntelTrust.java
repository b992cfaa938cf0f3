package dev.duet.attestation.intel;

import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.EmbeddedRoots;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The Intel SGX Root CA, pinned by the SHA-256 of its key (never by name: Intel's own sample data
 * ships a fake root with the genuine subject), and the TCB Signing certificates Intel has issued
 * under it. The signing certificates are a convenience for collateral that arrives without its
 * issuer chain; each is still checked against the pinned root and its dates on every use.
 */
public final class IntelTrust {
    static final String ROOT_KEY_SHA256 = "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e";
    private static final IntelTrust INTEL = new IntelTrust(EmbeddedRoots.load("intel_sgx_root_ca.pem"),
            List.of(EmbeddedRoots.load("intel_sgx_tcb_signing_notafter2025.pem"), EmbeddedRoots.load("intel_sgx_tcb_signing_notafter2032.pem")));

    private final X509Certificate root;
    private final List<X509Certificate> tcbSigners;

    private IntelTrust(X509Certificate root, List<X509Certificate> tcbSigners) {
        if (!Certificates.keyFingerprint(root.getPublicKey()).hex().equals(ROOT_KEY_SHA256)) {
            throw new IllegalStateException("the embedded Intel SGX Root CA does not match its pin");
        }
        this.root = root;
        this.tcbSigners = List.copyOf(tcbSigners);
    }

    public static IntelTrust intel() {
        return INTEL;
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
}
