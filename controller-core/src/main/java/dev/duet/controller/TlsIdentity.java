package dev.duet.controller;

import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The key the controller serves HTTPS with (ECDSA P-256), and a self-signed certificate that only
 * carries it. Nobody trusts the certificate: clients trust the key because the controller's
 * evidence binds it ({@link dev.duet.attestation.ControllerKeyBinding}, version 2) and then pin it
 * by its SHA-256 (RA-TLS style). The key is sealed at rest like the signing key, so a pin survives
 * restarts; the certificate is made afresh at each start, since nothing in it is trusted.
 */
public final class TlsIdentity {
    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TlsIdentity(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A fresh P-256 key pair. */
    static KeyPair generateKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has P-256", e);
        }
    }

    /** The key pair from its SubjectPublicKeyInfo and PKCS#8 encodings, as {@link Bootstrap} stores them. */
    static KeyPair decode(byte[] spki, byte[] pkcs8) throws GeneralSecurityException {
        KeyFactory ec = KeyFactory.getInstance("EC");
        return new KeyPair(ec.generatePublic(new X509EncodedKeySpec(spki)), ec.generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
    }

    /** The identity for {@code keys}, with a self-signed certificate valid from a day before {@code now}. */
    static TlsIdentity of(KeyPair keys, Instant now) {
        try {
            X500Name name = new X500Name("CN=duet controller");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.getEpochSecond()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return new TlsIdentity(keys, certificate);
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the controller's TLS certificate", e);
        }
    }

    public KeyPair keys() {
        return keys;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The public key's SubjectPublicKeyInfo DER: what the evidence names and binds. */
    public Octets spki() {
        return Octets.copyOf(keys.getPublic().getEncoded());
    }

    /** The SHA-256 of {@link #spki()}: the pin ({@code duet --tls-pin}). */
    public Octets sha256() {
        return ControllerEvidenceVerifier.fingerprint(spki());
    }
}
