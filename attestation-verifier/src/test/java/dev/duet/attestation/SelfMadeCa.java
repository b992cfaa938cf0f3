package dev.duet.attestation;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates and CRLs from keys made in the test: impostor roots, other chips, revocations. */
public final class SelfMadeCa {
    private static final AtomicLong SERIAL = new AtomicLong(1000);
    public static final Instant FROM = Instant.parse("2020-01-01T00:00:00Z");
    public static final Instant TO = Instant.parse("2040-01-01T00:00:00Z");

    private SelfMadeCa() {}

    public static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    public static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static ContentSigner signer(PrivateKey key) throws Exception {
        if (key.getAlgorithm().equals("RSA")) {
            JcaContentSignerBuilder builder = new JcaContentSignerBuilder("RSASSA-PSS",
                    new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1));
            return builder.setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(key);
        }
        return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    }

    /** A certificate for {@code subject}'s key, issued by {@code issuer} (self-signed when they are the same name). */
    public static X509Certificate certificate(String subject, PublicKey key, String issuer, PrivateKey issuerKey, boolean ca,
            Map<String, Object> extensions) throws Exception {
        return certificate(subject, key, issuer, issuerKey, ca, FROM, TO, extensions);
    }

    /** The same, valid from {@code from} to {@code to}. */
    public static X509Certificate certificate(String subject, PublicKey key, String issuer, PrivateKey issuerKey, boolean ca,
            Instant from, Instant to, Map<String, Object> extensions) throws Exception {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(from), Date.from(to), new X500Name(subject), key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        for (Map.Entry<String, Object> extension : extensions.entrySet()) {
            ASN1ObjectIdentifier oid = new ASN1ObjectIdentifier(extension.getKey());
            if (extension.getValue() instanceof byte[] raw) {
                builder.addExtension(oid, false, raw);
            } else {
                builder.addExtension(oid, false, (ASN1Encodable) extension.getValue());
            }
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer(issuerKey)));
    }

    public static X509CRL crl(String issuer, PrivateKey issuerKey, Instant thisUpdate, Instant nextUpdate,
            List<X509Certificate> revoked) throws Exception {
        X509v2CRLBuilder builder = new X509v2CRLBuilder(new X500Name(issuer), Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(nextUpdate));
        for (X509Certificate cert : revoked) {
            builder.addCRLEntry(cert.getSerialNumber(), Date.from(thisUpdate), 0);
        }
        return new JcaX509CRLConverter().getCRL(builder.build(signer(issuerKey)));
    }

    /** The certificates as one PEM chain, as a DCAP quote or a PCS issuer-chain header carries them. */
    public static String pem(X509Certificate... chain) throws Exception {
        StringBuilder out = new StringBuilder();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate certificate : chain) {
            out.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(certificate.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        return out.toString();
    }

    /** ECDSA r ‖ s (fixed width, big-endian) over {@code message}. */
    public static byte[] signP1363(String hash, PrivateKey key, byte[] message) throws Exception {
        Signature signature = Signature.getInstance(hash + "withECDSAinP1363Format");
        signature.initSign(key);
        signature.update(message);
        return signature.sign();
    }
}
