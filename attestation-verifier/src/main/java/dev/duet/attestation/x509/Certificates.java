package dev.duet.attestation.x509;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Parsing and fingerprinting of the X.509 certificates and CRLs that come with evidence. Parsing is
 * exact: a certificate or CRL file holds that one structure, DER or a single PEM block, and nothing
 * else. The JDK's factory reads the first structure and ignores what follows, so bytes no signature
 * covers could otherwise ride along unnoticed.
 */
public final class Certificates {
    private static final String BEGIN = "-----BEGIN ";
    private static final String CERTIFICATE = "CERTIFICATE";

    private Certificates() {}

    private static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    }

    /** One certificate, DER or one PEM block; {@code what} names it in errors. */
    public static X509Certificate parse(byte[] derOrPem, String what) throws MalformedEvidenceException {
        byte[] der = der(derOrPem, CERTIFICATE, "certificate", what);
        X509Certificate cert;
        byte[] encoded;
        try {
            cert = (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
            encoded = cert.getEncoded();
        } catch (CertificateException | RuntimeException e) {
            throw new MalformedEvidenceException(what + " is not an X.509 certificate (" + withoutClassNames(e) + ")", e);
        }
        exact(encoded.length, der.length, "certificate", what);
        return cert;
    }

    /** One CRL, DER or one PEM block. */
    public static X509CRL parseCrl(byte[] derOrPem, String what) throws MalformedEvidenceException {
        byte[] der = der(derOrPem, "X509 CRL", "CRL", what);
        X509CRL crl;
        byte[] encoded;
        try {
            crl = (X509CRL) factory().generateCRL(new ByteArrayInputStream(der));
            encoded = crl.getEncoded();
        } catch (CRLException | RuntimeException e) {
            throw new MalformedEvidenceException(what + " is not an X.509 CRL (" + withoutClassNames(e) + ")", e);
        }
        exact(encoded.length, der.length, "CRL", what);
        return crl;
    }

    /**
     * Every certificate of a PEM bundle, in order. Only PEM certificate blocks and whitespace may be
     * in it: explanatory text, other blocks or anything after the last END line are refused.
     */
    public static List<X509Certificate> parsePemChain(byte[] pem, String what) throws MalformedEvidenceException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        String begin = BEGIN + CERTIFICATE + "-----";
        String end = "-----END " + CERTIFICATE + "-----";
        List<X509Certificate> chain = new ArrayList<>();
        int at = skipWhitespace(text, 0);
        while (at < text.length()) {
            if (!text.startsWith(begin, at)) {
                throw new MalformedEvidenceException(what + " is not PEM certificates only: unexpected text at character "
                        + at);
            }
            int stop = text.indexOf(end, at);
            if (stop < 0) {
                throw new MalformedEvidenceException(what + ": a PEM certificate has no END line");
            }
            int next = stop + end.length();
            chain.add(parse(text.substring(at, next).getBytes(StandardCharsets.US_ASCII), what));
            at = skipWhitespace(text, next);
        }
        if (chain.isEmpty()) {
            throw new MalformedEvidenceException(what + " holds no PEM certificate");
        }
        return List.copyOf(chain);
    }

    /** DER as given, or the body of the single PEM block labelled {@code label}. DER always starts with a SEQUENCE. */
    private static byte[] der(byte[] derOrPem, String label, String noun, String what) throws MalformedEvidenceException {
        if (derOrPem.length > 0 && derOrPem[0] == 0x30) {
            return derOrPem;
        }
        String text = new String(derOrPem, StandardCharsets.US_ASCII);
        int at = skipWhitespace(text, 0);
        if (!text.startsWith(BEGIN, at)) {
            throw new MalformedEvidenceException(what + " is not an X.509 " + noun + ": neither DER nor PEM"
                    + (text.indexOf(BEGIN) > 0 ? " (there is text before the BEGIN line)" : ""));
        }
        String begin = BEGIN + label + "-----";
        String end = "-----END " + label + "-----";
        if (!text.startsWith(begin, at)) {
            throw new MalformedEvidenceException(what + " is a PEM block but not a " + label + " block");
        }
        int stop = text.indexOf(end, at);
        if (stop < 0) {
            throw new MalformedEvidenceException(what + ": the PEM block has no END line");
        }
        int after = skipWhitespace(text, stop + end.length());
        if (after < text.length()) {
            throw new MalformedEvidenceException(what + (text.startsWith(BEGIN, after)
                    ? " holds more than one PEM block; give exactly one " + noun
                    : " has text after the END line"));
        }
        try {
            return Base64.getDecoder().decode(text.substring(at + begin.length(), stop).replaceAll("[ \\t\\r\\n]", ""));
        } catch (IllegalArgumentException e) {
            throw new MalformedEvidenceException(what + ": the PEM body is not base64", e);
        }
    }

    private static void exact(int used, int given, String noun, String what) throws MalformedEvidenceException {
        if (used != given) {
            int extra = given - used;
            throw new MalformedEvidenceException(what + " has " + extra + (extra == 1 ? " byte" : " bytes") + " after the "
                    + noun);
        }
    }

    private static int skipWhitespace(String text, int from) {
        int at = from;
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
        return at;
    }

    private static String withoutClassNames(Exception e) {
        return String.valueOf(e.getMessage()).replaceAll("[\\w.$]+(Exception|Error): ", "");
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
