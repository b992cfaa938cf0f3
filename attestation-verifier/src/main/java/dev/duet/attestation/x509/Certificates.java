package dev.duet.attestation.x509;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/** Parsing and fingerprinting of the X.509 certificates that come with evidence. */
public final class Certificates {
    private Certificates() {}

    private static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    }

    public static X509Certificate parse(byte[] derOrPem, String what) throws MalformedEvidenceException {
        try {
            return (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(derOrPem));
        } catch (CertificateException | RuntimeException e) {
            throw new MalformedEvidenceException(what + " is not an X.509 certificate ("
                    + String.valueOf(e.getMessage()).replaceAll("[\\w.$]+(Exception|Error): ", "") + ")", e);
        }
    }

    /** Every certificate of a PEM bundle in order; trailing NUL padding (as in quotes) is ignored. */
    public static List<X509Certificate> parsePemChain(byte[] pem, String what) throws MalformedEvidenceException {
        int end = pem.length;
        while (end > 0 && (pem[end - 1] == 0 || Character.isWhitespace(pem[end - 1]))) {
            end--;
        }
        String text = new String(pem, 0, end, StandardCharsets.US_ASCII);
        List<X509Certificate> chain = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN CERTIFICATE-----", from);
            if (begin < 0) {
                break;
            }
            String endMarker = "-----END CERTIFICATE-----";
            int stop = text.indexOf(endMarker, begin);
            if (stop < 0) {
                throw new MalformedEvidenceException(what + ": a PEM certificate has no END line");
            }
            from = stop + endMarker.length();
            chain.add(parse(text.substring(begin, from).getBytes(StandardCharsets.US_ASCII), what));
        }
        if (chain.isEmpty()) {
            throw new MalformedEvidenceException(what + " holds no PEM certificate");
        }
        return List.copyOf(chain);
    }

    /** SHA-256 of the DER SubjectPublicKeyInfo: how roots are pinned, since names can be copied. */
    public static Octets keyFingerprint(PublicKey key) {
        return Octets.copyOf(sha256(key.getEncoded()));
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Why the certificate is not valid at {@code at}, or null when it is. */
    public static String invalidAt(X509Certificate cert, Instant at) {
        Date when = Date.from(at);
        if (when.before(cert.getNotBefore())) {
            return "not valid before " + cert.getNotBefore().toInstant();
        }
        if (when.after(cert.getNotAfter())) {
            return "expired " + cert.getNotAfter().toInstant();
        }
        return null;
    }

    public static String subject(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName();
    }
}
