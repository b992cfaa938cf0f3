package dev.duet.attestation.x509;

import dev.duet.attestation.Octets;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which certificate and CRL signatures have verified under which issuer key. A signature
 * over fixed bytes under a fixed key verifies forever, so caching it is safe; validity dates and
 * revocation are still checked on every use. Only successes are kept, so a forged certificate is
 * checked again each time. Bounded: when full it starts over.
 */
public final class SignatureCache {
    private static final int LIMIT = 4096;
    private final ConcurrentHashMap<Octets, Boolean> verified = new ConcurrentHashMap<>();
    private final boolean enabled;

    private SignatureCache(boolean enabled) {
        this.enabled = enabled;
    }

    public static SignatureCache create() {
        return new SignatureCache(true);
    }

    /** Verifies every time; for measuring the cold path. */
    public static SignatureCache none() {
        return new SignatureCache(false);
    }

    public boolean signedBy(X509Certificate cert, PublicKey issuerKey) {
        try {
            return remember(cert.getEncoded(), issuerKey, () -> cert.verify(issuerKey));
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    public boolean signedBy(X509CRL crl, PublicKey issuerKey) {
        try {
            return remember(crl.getEncoded(), issuerKey, () -> crl.verify(issuerKey));
        } catch (CRLException e) {
            return false;
        }
    }

    /**
     * An ECDSA signature over a fixed document such as Intel collateral, which every quote from the
     * same platform reuses. Not for quotes themselves: each quote is new.
     */
    public boolean signedBy(PublicKey key, byte[] document, byte[] rs) {
        byte[] signed = java.nio.ByteBuffer.allocate(document.length + rs.length).put(document).put(rs).array();
        return remember(signed, key, () -> {
            if (!Ecdsa.verify(key, document, rs)) {
                throw new java.security.SignatureException("invalid");
            }
        });
    }

    public boolean enabled() {
        return enabled;
    }

    private interface Verification {
        void run() throws GeneralSecurityException;
    }

    private boolean remember(byte[] signed, PublicKey issuerKey, Verification verification) {
        Octets key = null;
        if (enabled) {
            byte[] issuer = issuerKey.getEncoded();
            key = Octets.copyOf(Certificates.sha256(ByteBuffer.allocate(signed.length + issuer.length)
                    .put(signed).put(issuer).array()));
            if (verified.containsKey(key)) {
                return true;
            }
        }
        try {
            verification.run();
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
        if (enabled) {
            if (verified.size() >= LIMIT) {
                verified.clear();
            }
            verified.put(key, Boolean.TRUE);
        }
        return true;
    }
}
