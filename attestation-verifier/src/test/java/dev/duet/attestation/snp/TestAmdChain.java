package dev.duet.attestation.snp;

import dev.duet.attestation.SelfMadeCa;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERIA5String;

/** An ARK → ASK → VCEK chain made in the test, and reports signed by its VCEK. */
final class TestAmdChain {
    final KeyPair arkKey;
    final X509Certificate ark;
    final KeyPair askKey;
    final X509Certificate ask;

    TestAmdChain() throws Exception {
        arkKey = SelfMadeCa.rsa();
        ark = SelfMadeCa.certificate("CN=ARK-Milan", arkKey.getPublic(), "CN=ARK-Milan", arkKey.getPrivate(), true, Map.of());
        askKey = SelfMadeCa.rsa();
        ask = SelfMadeCa.certificate("CN=SEV-Milan", askKey.getPublic(), "CN=ARK-Milan", arkKey.getPrivate(), true, Map.of());
    }

    AmdTrust trust() {
        return AmdTrust.explicit("test root (explicitly trusted)", SnpProduct.MILAN, ark, ask, Optional.empty());
    }

    record Signed(byte[] report, EndorsementCertificate vcek, X509Certificate certificate) {}

    /** Re-signs {@code report} (a Milan report) with a fresh VCEK issued for its REPORTED_TCB and CHIP_ID. */
    Signed sign(byte[] template) throws Exception {
        SnpReport parsed = SnpReportParser.parse(template);
        TcbVersion tcb = TcbVersion.decode(parsed.reportedTcb(), SnpProduct.MILAN);
        KeyPair vcekKey = SelfMadeCa.ec("secp384r1");
        X509Certificate vcek = SelfMadeCa.certificate("CN=SEV-VCEK", vcekKey.getPublic(), "CN=SEV-Milan",
                askKey.getPrivate(), false, Map.of(
                        "1.3.6.1.4.1.3704.1.2", new DERIA5String("Milan-B0"),
                        "1.3.6.1.4.1.3704.1.3.1", new ASN1Integer(tcb.bootloader()),
                        "1.3.6.1.4.1.3704.1.3.2", new ASN1Integer(tcb.tee()),
                        "1.3.6.1.4.1.3704.1.3.3", new ASN1Integer(tcb.snp()),
                        "1.3.6.1.4.1.3704.1.3.8", new ASN1Integer(tcb.microcode()),
                        "1.3.6.1.4.1.3704.1.4", parsed.chipId().toByteArray()));
        byte[] report = template.clone();
        byte[] rs = SelfMadeCa.signP1363("SHA384", vcekKey.getPrivate(),
                java.util.Arrays.copyOf(report, SnpReport.SIGNED_LENGTH));
        java.util.Arrays.fill(report, 0x2A0, SnpReport.SIZE, (byte) 0);
        for (int i = 0; i < 48; i++) {
            report[0x2A0 + i] = rs[47 - i];
            report[0x2E8 + i] = rs[95 - i];
        }
        return new Signed(report, EndorsementCertificate.parse(vcek.getEncoded()), vcek);
    }
}
