package dev.duet.attestation.intel;

import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * A PCK leaf certificate with Intel's SGX extension (OID 1.2.840.113741.1.13.1) decoded: the
 * platform's TCB (16 component SVNs, PCESVN, CPUSVN), FMSPC, PCE id and SGX type.
 */
public record PckCertificate(X509Certificate certificate, Octets ppid, List<Integer> compSvn, int pceSvn, Octets cpuSvn,
        Octets pceId, Octets fmspc, int sgxType) {

    private static final String SGX = "1.2.840.113741.1.13.1";

    public PckCertificate {
        compSvn = List.copyOf(compSvn);
    }

    /**
     * The PCK leaf a quote carries, parsed but not verified: enough to know which platform's
     * collateral to look for. {@link QuoteVerifier} decides whether it is genuine.
     */
    public static PckCertificate carriedBy(Quote quote) throws MalformedEvidenceException {
        return from(dev.duet.attestation.x509.Certificates.parsePemChain(
                quote.signature().pemChain(), "PCK chain").get(0));
    }

    public static PckCertificate from(X509Certificate cert) throws MalformedEvidenceException {
        byte[] wrapped = cert.getExtensionValue(SGX);
        if (wrapped == null) {
            throw new MalformedEvidenceException("the PCK certificate has no SGX extension (" + SGX + ")");
        }
        try {
            ASN1Sequence fields = ASN1Sequence.getInstance(
                    ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(wrapped).getOctets()));
            Octets ppid = null;
            Octets pceId = null;
            Octets fmspc = null;
            Integer sgxType = null;
            List<Integer> comp = new ArrayList<>();
            Integer pceSvn = null;
            Octets cpuSvn = null;
            for (ASN1Encodable element : fields) {
                ASN1Sequence pair = ASN1Sequence.getInstance(element);
                String oid = ASN1ObjectIdentifier.getInstance(pair.getObjectAt(0)).getId();
                ASN1Encodable value = pair.getObjectAt(1);
                switch (oid.substring(oid.lastIndexOf('.') + 1)) {
                    case "1" -> ppid = octets(value);
                    case "2" -> {
                        for (ASN1Encodable tcbElement : ASN1Sequence.getInstance(value)) {
                            ASN1Sequence tcbPair = ASN1Sequence.getInstance(tcbElement);
                            String tcbOid = ASN1ObjectIdentifier.getInstance(tcbPair.getObjectAt(0)).getId();
                            int index = Integer.parseInt(tcbOid.substring(tcbOid.lastIndexOf('.') + 1));
                            if (index >= 1 && index <= 16) {
                                comp.add(small(tcbPair.getObjectAt(1)));
                            } else if (index == 17) {
                                pceSvn = small(tcbPair.getObjectAt(1));
                            } else if (index == 18) {
                                cpuSvn = octets(tcbPair.getObjectAt(1));
                            }
                        }
                    }
                    case "3" -> pceId = octets(value);
                    case "4" -> fmspc = octets(value);
                    case "5" -> sgxType = ASN1Enumerated.getInstance(value).intValueExact();
                    default -> {
                        // Platform instance id and configuration (multi-package platforms) are not used here.
                    }
                }
            }
            if (ppid == null || pceId == null || fmspc == null || sgxType == null || comp.size() != 16 || pceSvn == null
                    || cpuSvn == null) {
                throw new MalformedEvidenceException("the PCK certificate's SGX extension lacks a required field");
            }
            return new PckCertificate(cert, ppid, comp, pceSvn, cpuSvn, pceId, fmspc, sgxType);
        } catch (IOException | RuntimeException e) {
            throw new MalformedEvidenceException("the PCK certificate's SGX extension is malformed: " + e.getMessage(), e);
        }
    }

    private static Octets octets(ASN1Encodable value) {
        return Octets.copyOf(ASN1OctetString.getInstance(value).getOctets());
    }

    private static int small(ASN1Encodable value) {
        return ASN1Integer.getInstance(value).intValueExact();
    }
}
