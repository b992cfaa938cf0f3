package dev.duet.provisioner.attest;

import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.snp.SnpProduct;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * SIMULATED SEV-SNP for machines without it: reports in the real version-3 layout, signed by a
 * locally generated ARK → ASK → VCEK chain (RSA-PSS and ECDSA P-384, with AMD's VCEK extensions),
 * kept in the data directory. It proves nothing about hardware: whoever can read the directory can
 * sign any report. It exists so the whole path (evidence, binding, verification, policy, log) runs
 * here; its reports verify only where {@link #trust()} is explicitly trusted, and every output
 * that carries them says "simulated".
 */
public final class SimulatedSnp {
    public static final String TRUST_NAME = "duet SIMULATED SNP root (not hardware)";
    private static final String ARC = "1.3.6.1.4.1.3704.1.";
    private static final int BOOTLOADER = 4;
    private static final int TEE = 0;
    private static final int SNP = 24;
    private static final int MICROCODE = 219;

    private final X509Certificate ark;
    private final X509Certificate ask;
    private final X509Certificate vcek;
    private final PrivateKey vcekKey;
    private final byte[] chipId;
    private final SecureRandom random = new SecureRandom();

    private SimulatedSnp(X509Certificate ark, X509Certificate ask, X509Certificate vcek, PrivateKey vcekKey, byte[] chipId) {
        this.ark = ark;
        this.ask = ask;
        this.vcek = vcek;
        this.vcekKey = vcekKey;
        this.chipId = chipId;
    }

    /** The simulated chip kept in {@code directory}, created on first use. */
    public static SimulatedSnp open(Path directory) throws IOException {
        try {
            if (!Files.isRegularFile(directory.resolve("vcek.pk8"))) {
                create(directory);
            }
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            X509Certificate[] certs = new X509Certificate[3];
            String[] names = {"ark.der", "ask.der", "vcek.der"};
            for (int i = 0; i < 3; i++) {
                certs[i] = (X509Certificate) factory.generateCertificate(
                        new java.io.ByteArrayInputStream(Files.readAllBytes(directory.resolve(names[i]))));
            }
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(Files.readAllBytes(directory.resolve("vcek.pk8"))));
            return new SimulatedSnp(certs[0], certs[1], certs[2], key, Files.readAllBytes(directory.resolve("chip_id")));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("the simulated SNP chip in " + directory + " is unusable: " + e.getMessage(), e);
        }
    }

    private static void create(Path directory) throws IOException, GeneralSecurityException, OperatorCreationException {
        Files.createDirectories(directory);
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(3072);
        KeyPair arkKey = rsa.generateKeyPair();
        KeyPair askKey = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair vcekKey = ec.generateKeyPair();
        byte[] chipId = new byte[64];
        new SecureRandom().nextBytes(chipId);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant until = now.plus(3650, ChronoUnit.DAYS);
        X509Certificate ark = certificate("CN=ARK-Milan (duet SIMULATED)", arkKey, "CN=ARK-Milan (duet SIMULATED)",
                arkKey.getPrivate(), true, now, until, null);
        X509Certificate ask = certificate("CN=SEV-Milan (duet SIMULATED)", askKey, "CN=ARK-Milan (duet SIMULATED)",
                arkKey.getPrivate(), true, now, until, null);
        X509Certificate vcek = certificate("CN=SEV-VCEK (duet SIMULATED)", vcekKey, "CN=SEV-Milan (duet SIMULATED)",
                askKey.getPrivate(), false, now, until, chipId);
        Files.write(directory.resolve("ark.der"), ark.getEncoded());
        Files.write(directory.resolve("ask.der"), ask.getEncoded());
        Files.write(directory.resolve("vcek.der"), vcek.getEncoded());
        Files.write(directory.resolve("chip_id"), chipId);
        Path key = directory.resolve("vcek.pk8.tmp");
        Files.deleteIfExists(key);
        Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(key, vcekKey.getPrivate().getEncoded());
        Files.move(key, directory.resolve("vcek.pk8"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static X509Certificate certificate(String subject, KeyPair key, String issuer, PrivateKey issuerKey, boolean ca,
            Instant from, Instant until, byte[] chipId) throws GeneralSecurityException, IOException, OperatorCreationException {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                new BigInteger(64, new SecureRandom()), Date.from(from), Date.from(until), new X500Name(subject), key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (chipId != null) {
            builder.addExtension(new ASN1ObjectIdentifier(ARC + "2"), false, new DERIA5String("Milan-B0"));
            builder.addExtension(new ASN1ObjectIdentifier(ARC + "3.1"), false, new ASN1Integer(BOOTLOADER));
            builder.addExtension(new ASN1ObjectIdentifier(ARC + "3.2"), false, new ASN1Integer(TEE));
            builder.addExtension(new ASN1ObjectIdentifier(ARC + "3.3"), false, new ASN1Integer(SNP));
            builder.addExtension(new ASN1ObjectIdentifier(ARC + "3.8"), false, new ASN1Integer(MICROCODE));
            builder.addExtension(new ASN1ObjectIdentifier(ARC + "4"), false, chipId);
        }
        ContentSigner signer = new JcaContentSignerBuilder("RSASSA-PSS",
                new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1))
                .setProvider(new BouncyCastleProvider()).build(issuerKey);
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new java.io.ByteArrayInputStream(builder.build(signer).getEncoded()));
    }

    /** The roots to trust, explicitly, for this chip's reports. */
    public AmdTrust trust() {
        return AmdTrust.explicit(TRUST_NAME, SnpProduct.MILAN, ark, ask, Optional.empty());
    }

    public byte[] vcekDer() throws IOException {
        return der(vcek);
    }

    /** The simulated ASK and ARK, for a verifier that trusts the simulated root explicitly. */
    public byte[] askDer() throws IOException {
        return der(ask);
    }

    public byte[] arkDer() throws IOException {
        return der(ark);
    }

    private static byte[] der(X509Certificate certificate) throws IOException {
        try {
            return certificate.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException(e);
        }
    }

    /** A signed version-3 report (1,184 bytes) for a Milan-like chip at VMPL 0. */
    public byte[] report(byte[] reportData, byte[] measurement) {
        if (reportData.length != 64 || measurement.length != 48) {
            throw new IllegalArgumentException("REPORT_DATA is 64 bytes and MEASUREMENT 48");
        }
        ByteBuffer r = ByteBuffer.allocate(0x4A0).order(ByteOrder.LITTLE_ENDIAN);
        long tcb = BOOTLOADER | (long) TEE << 8 | (long) SNP << 48 | (long) MICROCODE << 56;
        r.putInt(0x000, 3);
        r.putLong(0x008, 0x30000L);
        r.putInt(0x034, 1);
        r.putLong(0x038, tcb);
        r.putLong(0x040, 0x1L);
        r.put(0x050, reportData);
        r.put(0x090, measurement);
        byte[] reportId = new byte[32];
        random.nextBytes(reportId);
        r.put(0x140, reportId);
        for (int i = 0; i < 32; i++) {
            r.put(0x160 + i, (byte) 0xff);
        }
        r.putLong(0x180, tcb);
        r.put(0x188, (byte) 0x19).put(0x189, (byte) 0x01).put(0x18A, (byte) 0x01);
        r.put(0x1A0, chipId);
        r.putLong(0x1E0, tcb);
        r.put(0x1E8, (byte) 29).put(0x1E9, (byte) 55).put(0x1EA, (byte) 1);
        r.put(0x1EC, (byte) 29).put(0x1ED, (byte) 55).put(0x1EE, (byte) 1);
        r.putLong(0x1F0, tcb);
        byte[] bytes = r.array();
        try {
            Signature signature = Signature.getInstance("SHA384withECDSAinP1363Format");
            signature.initSign(vcekKey);
            signature.update(bytes, 0, 0x2A0);
            byte[] rs = signature.sign();
            for (int i = 0; i < 48; i++) {
                bytes[0x2A0 + i] = rs[47 - i];
                bytes[0x2E8 + i] = rs[95 - i];
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing with the simulated VCEK failed", e);
        }
        return bytes;
    }
}
