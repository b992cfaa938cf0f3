package dev.duet.attestation.snp;

import dev.duet.attestation.x509.Certificates;
import dev.duet.attestation.x509.EmbeddedRoots;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * The roots an SNP report may chain to, per product line: the ARK, and the intermediates it signed
 * for VCEKs (ASK) and VLEKs (ASVK). {@link #amd()} holds AMD's own, pinned by key fingerprint;
 * {@link #explicit} is for a root the caller chose to trust (the simulated SNP source), and the
 * verdict names it.
 */
public record AmdTrust(String name, Map<SnpProduct, ProductRoots> roots) {

    public record ProductRoots(X509Certificate ark, X509Certificate ask, Optional<X509Certificate> asvk) {}

    /** SHA-256 of each ARK's SubjectPublicKeyInfo, from AMD's published certificates. */
    private static final Map<SnpProduct, String> ARK_PINS = Map.of(
            SnpProduct.MILAN, "9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9",
            SnpProduct.GENOA, "429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831",
            SnpProduct.TURIN, "4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08");

    private static final AmdTrust AMD = loadAmd();

    public AmdTrust {
        roots = Map.copyOf(roots);
    }

    public static AmdTrust amd() {
        return AMD;
    }

    public static AmdTrust explicit(String name, SnpProduct product, X509Certificate ark, X509Certificate ask,
            Optional<X509Certificate> asvk) {
        return new AmdTrust(name, Map.of(product, new ProductRoots(ark, ask, asvk)));
    }

    public Optional<ProductRoots> forProduct(SnpProduct product) {
        return Optional.ofNullable(roots.get(product));
    }

    /** Whether a CRL so named comes from one of these ARKs, by name only: its signature is checked on use. */
    public boolean issuesCrlsAs(X500Principal issuer) {
        return roots.values().stream().anyMatch(product -> product.ark().getSubjectX500Principal().equals(issuer));
    }

    private static AmdTrust loadAmd() {
        Map<SnpProduct, ProductRoots> roots = new EnumMap<>(SnpProduct.class);
        for (SnpProduct product : SnpProduct.values()) {
            String line = product.kdsName().toLowerCase(java.util.Locale.ROOT);
            X509Certificate ark = EmbeddedRoots.load("ark_" + line + ".pem");
            String pin = Certificates.keyFingerprint(ark.getPublicKey()).hex();
            if (!pin.equals(ARK_PINS.get(product))) {
                throw new IllegalStateException("the embedded ARK for " + product + " does not match its pin");
            }
            roots.put(product, new ProductRoots(ark, EmbeddedRoots.load("ask_" + line + ".pem"),
                    Optional.of(EmbeddedRoots.load("asvk_" + line + ".pem"))));
        }
        return new AmdTrust("AMD root keys (pinned)", roots);
    }
}
