package dev.duet.attestation.snp;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.x509.Certificates;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;

/**
 * A VCEK or VLEK certificate with AMD's extensions (OID arc 1.3.6.1.4.1.3704.1) decoded: the
 * product, the TCB it was issued for, and the chip (VCEK) or cloud provider (VLEK) it belongs to.
 */
public record EndorsementCertificate(
        X509Certificate certificate,
        OptionalInt structVersion,
        Optional<String> productName,
        int bootloader,
        int tee,
        int snp,
        int microcode,
        OptionalInt fmc,
        Optional<Octets> hwId,
        Optional<String> cspId) {

    private static final String ARC = "1.3.6.1.4.1.3704.1.";

    public static EndorsementCertificate parse(byte[] der) throws MalformedEvidenceException {
        X509Certificate cert = Certificates.parse(der, "the VCEK/VLEK certificate");
        return new EndorsementCertificate(
                cert,
                integer(cert, "1").map(OptionalInt::of).orElse(OptionalInt.empty()),
                string(cert, "2"),
                required(cert, "3.1", "blSPL"),
                required(cert, "3.2", "teeSPL"),
                required(cert, "3.3", "snpSPL"),
                required(cert, "3.8", "ucodeSPL"),
                integer(cert, "3.9").map(OptionalInt::of).orElse(OptionalInt.empty()),
                rawValue(cert, "4"),
                string(cert, "5"));
    }

    /** The TCB the key was derived for, laid out the way a report of {@code product} stores it. */
    public TcbVersion tcb(SnpProduct product) {
        long raw;
        if (product.hasFmc()) {
            raw = (long) fmc.orElse(0) | (long) bootloader << 8 | (long) tee << 16 | (long) snp << 24
                    | (long) microcode << 56;
        } else {
            raw = (long) bootloader | (long) tee << 8 | (long) snp << 48 | (long) microcode << 56;
        }
        return TcbVersion.decode(raw, product);
    }

    public Optional<SnpProduct> product() {
        return productName.flatMap(SnpProduct::fromProductName);
    }

    private static ASN1Primitive extension(X509Certificate cert, String suffix) throws MalformedEvidenceException {
        byte[] wrapped = cert.getExtensionValue(ARC + suffix);
        if (wrapped == null) {
            return null;
        }
        try {
            return ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(wrapped).getOctets());
        } catch (IOException | RuntimeException e) {
            throw new MalformedEvidenceException("AMD certificate extension " + ARC + suffix + " is not DER", e);
        }
    }

    private static Optional<Integer> integer(X509Certificate cert, String suffix) throws MalformedEvidenceException {
        ASN1Primitive value = extension(cert, suffix);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ASN1Integer number) || number.getValue().bitLength() > 31) {
            throw new MalformedEvidenceException("AMD certificate extension " + ARC + suffix + " is not a small INTEGER");
        }
        return Optional.of(number.getValue().intValue());
    }

    private static int required(X509Certificate cert, String suffix, String name) throws MalformedEvidenceException {
        return integer(cert, suffix).orElseThrow(() -> new MalformedEvidenceException(
                "the VCEK/VLEK certificate has no " + name + " extension (" + ARC + suffix + ")"));
    }

    private static Optional<String> string(X509Certificate cert, String suffix) throws MalformedEvidenceException {
        ASN1Primitive value = extension(cert, suffix);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ASN1String text)) {
            throw new MalformedEvidenceException("AMD certificate extension " + ARC + suffix + " is not a string");
        }
        return Optional.of(text.getString());
    }

    /** hwID is stored as the extension's raw value, not as a DER OCTET STRING inside it. */
    private static Optional<Octets> rawValue(X509Certificate cert, String suffix) throws MalformedEvidenceException {
        byte[] wrapped = cert.getExtensionValue(ARC + suffix);
        if (wrapped == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Octets.copyOf(ASN1OctetString.getInstance(wrapped).getOctets()));
        } catch (RuntimeException e) {
            throw new MalformedEvidenceException("AMD certificate extension " + ARC + suffix + " is malformed", e);
        }
    }
}
