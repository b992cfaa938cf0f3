package dev.duet.protocol;

import dev.duet.attestation.Octets;
import dev.duet.attestation.SelfMadeCa;
import dev.duet.attestation.TestVectors;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERIA5String;

/**
 * AMD's Milan v3 test report carrying chosen REPORT_DATA, re-signed by a self-made VCEK (so it
 * chains to no AMD root, as a simulated report does not), with that VCEK's certificate.
 */
record SelfSignedSnpReport(Octets report, Octets vcek) {
    static SelfSignedSnpReport carrying(Octets reportData) throws Exception {
        byte[] report = TestVectors.bytes("snp/milan_v3_oak_report.bin");
        System.arraycopy(reportData.toByteArray(), 0, report, 0x50, 64);
        KeyPair ask = SelfMadeCa.rsa();
        KeyPair vcekKey = SelfMadeCa.ec("secp384r1");
        X509Certificate vcek = SelfMadeCa.certificate("CN=SEV-VCEK", vcekKey.getPublic(), "CN=SEV-Milan", ask.getPrivate(), false,
                Map.of("1.3.6.1.4.1.3704.1.2", new DERIA5String("Milan-B0"), "1.3.6.1.4.1.3704.1.3.1", new ASN1Integer(4),
                        "1.3.6.1.4.1.3704.1.3.2", new ASN1Integer(0), "1.3.6.1.4.1.3704.1.3.3", new ASN1Integer(24),
                        "1.3.6.1.4.1.3704.1.3.8", new ASN1Integer(219), "1.3.6.1.4.1.3704.1.4", Arrays.copyOfRange(report, 0x1A0, 0x1E0)));
        byte[] rs = SelfMadeCa.signP1363("SHA384", vcekKey.getPrivate(), Arrays.copyOf(report, 0x2A0));
        Arrays.fill(report, 0x2A0, 0x4A0, (byte) 0);
        for (int i = 0; i < 48; i++) {
            report[0x2A0 + i] = rs[47 - i];
            report[0x2E8 + i] = rs[95 - i];
        }
        return new SelfSignedSnpReport(Octets.copyOf(report), Octets.copyOf(vcek.getEncoded()));
    }
}
