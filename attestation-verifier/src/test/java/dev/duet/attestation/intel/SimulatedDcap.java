package dev.duet.attestation.intel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Octets;
import dev.duet.attestation.SelfMadeCa;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.util.BigIntegers;

/**
 * SIMULATED Intel DCAP, for tests only: a root → PCK Platform CA → PCK chain and a TCB Signing
 * certificate, all made here with fresh EC P-256 keys, that sign TDX quotes (version 4) over TD
 * reports the test builds, and the collateral (TCB Info, TD_QE identity, CRLs) under which such a
 * quote passes strict appraisal. It proves nothing about hardware: whoever holds this object signs
 * any TD's measurements. Its quotes verify only under {@link #trust()}, which a verifier must be
 * given explicitly and which names itself in every verdict; under {@link IntelTrust#intel()} they
 * fail {@code dcap.pck-chain}.
 *
 * <p>Layouts: the quote as {@link QuoteParser} reads it (Intel TDX DCAP quote v4: header, TD report
 * body, ECDSA signature data with QE report certification data (type 6) around a PEM PCK chain
 * (type 5)); the TD report as the TDX module ABI's TDREPORT_STRUCT; the PCK certificate's SGX
 * extension as Intel's PCK Certificate and CRL Profile; the collateral as a QuoteCollateralV3 bundle.
 */
public final class SimulatedDcap {
    public static final String TRUST_NAME = "SIMULATED Intel root (test)";
    /** The simulated platform's FMSPC: not one of Intel's, so its collateral is never taken for a real platform's. */
    public static final Octets FMSPC = Octets.fromHex("00DEADBEEF00");

    private static final String SGX_EXTENSION = "1.2.840.113741.1.13.1";
    private static final Octets PCE_ID = Octets.fromHex("0000");
    /** CPUSVN; on this platform each byte is also the matching PCK TCB component SVN. */
    private static final byte[] CPU_SVN = {3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final int PCE_SVN = 13;
    /** Scalable SGX, as on every TDX platform. */
    private static final int SGX_TYPE = 1;
    /** TDX module SVN 3 of module series 1 (identity TDX_01), late microcode SVN 2. */
    private static final byte[] TEE_TCB_SVN = {3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] MR_SEAM = sha("SHA-384", "duet SIMULATED TDX module");
    /** Intel's own TDX module has an all-zero MRSIGNERSEAM, and Intel's TCB Info lists it so. */
    private static final byte[] MR_SIGNER_SEAM = new byte[48];
    /** x87, SSE, AVX, AVX-512, CET and AMX state, as the Azure TD of testvectors/azure has. */
    private static final byte[] XFAM = HexFormat.of().parseHex("e718060000000000");

    private static final int QE_PROD_ID = 2;
    private static final int QE_SVN = 4;
    private static final byte[] QE_MR_SIGNER = sha("SHA-256", "duet SIMULATED TD quoting enclave signer");
    private static final byte[] QE_MR_ENCLAVE = sha("SHA-256", "duet SIMULATED TD quoting enclave");
    /** INIT and PROVISIONKEY set, DEBUG clear, as Intel's TD_QE identity requires. */
    private static final String QE_ATTRIBUTES = "11000000000000000000000000000000";
    private static final byte[] QE_AUTH_DATA = sha("SHA-256", "duet SIMULATED QE authentication data");
    private static final int TCB_EVALUATION_DATA_NUMBER = 17;

    private static final String ROOT_NAME = "CN=SIMULATED Intel SGX Root CA, OU=duet tests only, O=SIMULATED";
    private static final String PCK_CA_NAME = "CN=Intel SGX PCK Platform CA, OU=SIMULATED for duet tests, O=Intel Corporation";

    private static final String CURVE = "secp256r1";
    private static final int TD_REPORT_SIZE = 1024;
    private static final int TEE_TCB_INFO = 256;
    private static final int TD_INFO = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final X509Certificate root;
    private final PrivateKey rootKey;
    private final X509Certificate pckCa;
    private final PrivateKey pckCaKey;
    private final X509Certificate pck;
    private final PrivateKey pckKey;
    private final X509Certificate tcbSigning;
    private final PrivateKey tcbSigningKey;
    private final KeyPair attestationKey;

    private SimulatedDcap(X509Certificate root, PrivateKey rootKey, X509Certificate pckCa, PrivateKey pckCaKey,
            X509Certificate pck, PrivateKey pckKey, X509Certificate tcbSigning, PrivateKey tcbSigningKey,
            KeyPair attestationKey) {
        this.root = root;
        this.rootKey = rootKey;
        this.pckCa = pckCa;
        this.pckCaKey = pckCaKey;
        this.pck = pck;
        this.pckKey = pckKey;
        this.tcbSigning = tcbSigning;
        this.tcbSigningKey = tcbSigningKey;
        this.attestationKey = attestationKey;
    }

    /**
     * A new simulated platform whose certificates are valid from a day before {@code now} to a year
     * after. The PCK CA is named as Intel names its Platform CA, with an OU saying SIMULATED: duet
     * recognises a PCK CA's CRL by that name ({@link IntelTrust#issuesCrlsAs}), never trusts it by name.
     */
    public static SimulatedDcap create(Instant now) {
        Instant from = now.truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofDays(1));
        Instant until = from.plus(Duration.ofDays(366));
        try {
            KeyPair rootKeys = SelfMadeCa.ec(CURVE);
            KeyPair pckCaKeys = SelfMadeCa.ec(CURVE);
            KeyPair pckKeys = SelfMadeCa.ec(CURVE);
            KeyPair tcbKeys = SelfMadeCa.ec(CURVE);
            X509Certificate root = SelfMadeCa.certificate(ROOT_NAME, rootKeys.getPublic(), ROOT_NAME, rootKeys.getPrivate(), true,
                    from, until, Map.of());
            X509Certificate pckCa = SelfMadeCa.certificate(PCK_CA_NAME, pckCaKeys.getPublic(), ROOT_NAME, rootKeys.getPrivate(), true,
                    from, until, Map.of());
            X509Certificate pck = SelfMadeCa.certificate("CN=SIMULATED Intel SGX PCK Certificate, O=SIMULATED", pckKeys.getPublic(),
                    PCK_CA_NAME, pckCaKeys.getPrivate(), false, from, until, Map.of(SGX_EXTENSION, sgxExtension()));
            X509Certificate tcbSigning = SelfMadeCa.certificate("CN=SIMULATED Intel SGX TCB Signing, O=SIMULATED",
                    tcbKeys.getPublic(), ROOT_NAME, rootKeys.getPrivate(), false, from, until, Map.of());
            return new SimulatedDcap(root, rootKeys.getPrivate(), pckCa, pckCaKeys.getPrivate(), pck,
                    pckKeys.getPrivate(), tcbSigning, tcbKeys.getPrivate(), SelfMadeCa.ec(CURVE));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the simulated DCAP chain", e);
        }
    }

    /** The simulated root and TCB signer, to be trusted explicitly; verdicts name them {@value #TRUST_NAME}. */
    public IntelTrust trust() {
        return IntelTrust.explicit(TRUST_NAME, root, List.of(tcbSigning));
    }

    /**
     * A TDREPORT_STRUCT (1,024 bytes) of a non-debug TD on this platform: REPORTTYPE 0x81 (TDX),
     * CPUSVN, TEE_TCB_INFO with the TEE_TCB_SVN, MRSEAM and MRSIGNERSEAM the collateral expects,
     * TDINFO with {@code mrTd}, REPORTDATA as given, and both digests (SHA-384 of the first 239
     * bytes of TEE_TCB_INFO, and of TDINFO). The MAC is zero: only the CPU that made a report can
     * check its MAC, and no verifier here tries.
     */
    public static byte[] tdReport(byte[] reportData, byte[] mrTd) {
        if (reportData.length != 64 || mrTd.length != 48) {
            throw new IllegalArgumentException("REPORTDATA is 64 bytes and MRTD 48");
        }
        ByteBuffer report = ByteBuffer.allocate(TD_REPORT_SIZE);
        report.put(0, (byte) 0x81);
        report.put(16, CPU_SVN);
        report.put(128, reportData);
        // VALID marks TEE_TCB_SVN, MRSEAM and TEE_TCB_SVN2 as filled in (a bit per 8 bytes), as the
        // TDX 1.5 module on Azure writes it; MRSIGNERSEAM and ATTRIBUTES stay zero for Intel's module.
        report.put(TEE_TCB_INFO, HexFormat.of().parseHex("ff01030000000000"));
        report.put(TEE_TCB_INFO + 8, TEE_TCB_SVN);
        report.put(TEE_TCB_INFO + 24, MR_SEAM);
        report.put(TEE_TCB_INFO + 72, MR_SIGNER_SEAM);
        report.put(TEE_TCB_INFO + 128, TEE_TCB_SVN);
        report.put(TD_INFO + 8, XFAM);
        report.put(TD_INFO + 16, mrTd);
        byte[] bytes = report.array();
        System.arraycopy(digest("SHA-384", Arrays.copyOfRange(bytes, TEE_TCB_INFO, TEE_TCB_INFO + 239)), 0, bytes, 32, 48);
        System.arraycopy(digest("SHA-384", Arrays.copyOfRange(bytes, TD_INFO, TD_REPORT_SIZE)), 0, bytes, 80, 48);
        return bytes;
    }

    /**
     * A TDX quote v4 over {@code tdReport}: its body carries the report's fields, the attestation key
     * of this platform signs header and body, and the QE report that binds the key is signed by the
     * PCK. The report is not checked beyond its size and type: a test may quote an inconsistent one.
     */
    public byte[] quote(byte[] tdReport) {
        if (tdReport.length != TD_REPORT_SIZE || tdReport[0] != (byte) 0x81) {
            throw new IllegalArgumentException("a TDREPORT_STRUCT is 1024 bytes of report type 0x81");
        }
        ByteBuffer signed = ByteBuffer.allocate(QuoteHeader.SIZE + TdReport.SIZE_1_0).order(ByteOrder.LITTLE_ENDIAN);
        signed.putShort((short) 4).putShort((short) QuoteHeader.ECDSA_P256).putInt((int) QuoteHeader.TEE_TDX)
                .putInt(0).put(QuoteHeader.INTEL_QE_VENDOR.toByteArray()).put(new byte[20]);
        // The quote body is TEE_TCB_INFO from TEE_TCB_SVN to ATTRIBUTES (120 bytes), TDINFO from
        // ATTRIBUTES to RTMR3 (400 bytes), then REPORTDATA: the same fields in the same order.
        signed.put(tdReport, TEE_TCB_INFO + 8, 120).put(tdReport, TD_INFO, 400).put(tdReport, 128, 64);
        try {
            byte[] key = point((ECPublicKey) attestationKey.getPublic());
            byte[] qeReport = qeReport(Arrays.copyOf(digest("SHA-256", concat(key, QE_AUTH_DATA)), 64));
            // Intel's quote library writes the chain as a C string, so it ends in a NUL.
            byte[] chain = concat(SelfMadeCa.pem(pck, pckCa, root).getBytes(StandardCharsets.US_ASCII), new byte[1]);
            byte[] certification = ByteBuffer.allocate(384 + 64 + 2 + QE_AUTH_DATA.length + 6 + chain.length)
                    .order(ByteOrder.LITTLE_ENDIAN).put(qeReport).put(sign(pckKey, qeReport))
                    .putShort((short) QE_AUTH_DATA.length).put(QE_AUTH_DATA).putShort((short) 5).putInt(chain.length)
                    .put(chain).array();
            byte[] signatureData = ByteBuffer.allocate(64 + 64 + 6 + certification.length).order(ByteOrder.LITTLE_ENDIAN)
                    .put(sign(attestationKey.getPrivate(), signed.array())).put(key).putShort((short) 6)
                    .putInt(certification.length).put(certification).array();
            return ByteBuffer.allocate(signed.capacity() + 4 + signatureData.length).order(ByteOrder.LITTLE_ENDIAN)
                    .put(signed.array()).putInt(signatureData.length).put(signatureData).array();
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign the simulated quote", e);
        }
    }

    /** The quoting enclave's SGX report (384 bytes) as the TD_QE identity of {@link #collateralBundle} describes it. */
    private static byte[] qeReport(byte[] reportData) {
        ByteBuffer report = ByteBuffer.allocate(EnclaveReport.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        report.put(0, CPU_SVN);
        report.put(48, HexFormat.of().parseHex(QE_ATTRIBUTES));
        report.put(64, QE_MR_ENCLAVE);
        report.put(128, QE_MR_SIGNER);
        report.putShort(256, (short) QE_PROD_ID);
        report.putShort(258, (short) QE_SVN);
        report.put(320, reportData);
        return report.array();
    }

    /**
     * A QuoteCollateralV3 bundle as {@code CollateralParser} reads it, issued at {@code issued} and
     * current for 30 days: the TDX TCB Info for {@link #FMSPC} and the TD_QE identity (each signed,
     * r ‖ s, by the TCB Signing key over the exact bytes of its JSON string, with its issuer chain),
     * and empty CRLs of the root and the PCK CA. Every level it lists is UpToDate, and this platform
     * meets it.
     */
    public byte[] collateralBundle(Instant issued) {
        Instant at = issued.truncatedTo(ChronoUnit.SECONDS);
        Instant next = at.plus(Duration.ofDays(30));
        try {
            String tcbInfo = JSON.writeValueAsString(tcbInfo(at, next));
            String qeIdentity = JSON.writeValueAsString(qeIdentity(at, next));
            HexFormat hex = HexFormat.of();
            ObjectNode bundle = JSON.createObjectNode();
            bundle.put("pck_crl_issuer_chain", SelfMadeCa.pem(pckCa, root));
            bundle.put("root_ca_crl", hex.formatHex(SelfMadeCa.crl(ROOT_NAME, rootKey, at, next, List.of()).getEncoded()));
            bundle.put("pck_crl", hex.formatHex(SelfMadeCa.crl(PCK_CA_NAME, pckCaKey, at, next, List.of()).getEncoded()));
            bundle.put("tcb_info_issuer_chain", SelfMadeCa.pem(tcbSigning, root));
            bundle.put("tcb_info", tcbInfo);
            bundle.put("tcb_info_signature", hex.formatHex(sign(tcbSigningKey, tcbInfo.getBytes(StandardCharsets.UTF_8))));
            bundle.put("qe_identity_issuer_chain", SelfMadeCa.pem(tcbSigning, root));
            bundle.put("qe_identity", qeIdentity);
            bundle.put("qe_identity_signature", hex.formatHex(sign(tcbSigningKey,
                    qeIdentity.getBytes(StandardCharsets.UTF_8))));
            return JSON.writeValueAsBytes(bundle);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the simulated collateral", e);
        }
    }

    private static ObjectNode tcbInfo(Instant issued, Instant next) {
        String date = issued.truncatedTo(ChronoUnit.DAYS).toString();
        ObjectNode info = JSON.createObjectNode();
        info.put("id", "TDX").put("version", 3).put("issueDate", issued.toString()).put("nextUpdate", next.toString())
                .put("fmspc", FMSPC.hex().toUpperCase(java.util.Locale.ROOT)).put("pceId", PCE_ID.hex())
                .put("tcbType", 0).put("tcbEvaluationDataNumber", TCB_EVALUATION_DATA_NUMBER);
        String zeroSigner = HexFormat.of().formatHex(MR_SIGNER_SEAM);
        info.putObject("tdxModule").put("mrsigner", zeroSigner).put("attributes", "0000000000000000")
                .put("attributesMask", "FFFFFFFFFFFFFFFF");
        ObjectNode module = info.putArray("tdxModuleIdentities").addObject().put("id", "TDX_01")
                .put("mrsigner", zeroSigner).put("attributes", "0000000000000000").put("attributesMask", "FFFFFFFFFFFFFFFF");
        ObjectNode moduleLevel = module.putArray("tcbLevels").addObject();
        moduleLevel.putObject("tcb").put("isvsvn", (int) TEE_TCB_SVN[0]);
        moduleLevel.put("tcbDate", date).put("tcbStatus", "UpToDate");
        ObjectNode level = info.putArray("tcbLevels").addObject();
        ObjectNode tcb = level.putObject("tcb");
        ArrayNode sgx = tcb.putArray("sgxtcbcomponents");
        for (byte svn : CPU_SVN) {
            sgx.addObject().put("svn", (int) svn);
        }
        tcb.put("pcesvn", PCE_SVN);
        ArrayNode tdx = tcb.putArray("tdxtcbcomponents");
        for (byte svn : TEE_TCB_SVN) {
            tdx.addObject().put("svn", (int) svn);
        }
        level.put("tcbDate", date).put("tcbStatus", "UpToDate");
        return info;
    }

    private static ObjectNode qeIdentity(Instant issued, Instant next) {
        ObjectNode identity = JSON.createObjectNode();
        identity.put("id", "TD_QE").put("version", 2).put("issueDate", issued.toString())
                .put("nextUpdate", next.toString()).put("tcbEvaluationDataNumber", TCB_EVALUATION_DATA_NUMBER)
                .put("miscselect", "00000000").put("miscselectMask", "FFFFFFFF").put("attributes", QE_ATTRIBUTES)
                .put("attributesMask", "FBFFFFFFFFFFFFFF0000000000000000")
                .put("mrsigner", HexFormat.of().withUpperCase().formatHex(QE_MR_SIGNER)).put("isvprodid", QE_PROD_ID);
        ObjectNode level = identity.putArray("tcbLevels").addObject();
        level.putObject("tcb").put("isvsvn", QE_SVN);
        level.put("tcbDate", issued.truncatedTo(ChronoUnit.DAYS).toString()).put("tcbStatus", "UpToDate");
        return identity;
    }

    /** Intel's SGX extension with this platform's PPID, TCB, PCE id, FMSPC and SGX type. */
    private static ASN1Encodable sgxExtension() {
        ASN1Encodable[] tcb = new ASN1Encodable[18];
        for (int i = 0; i < 16; i++) {
            tcb[i] = field(SGX_EXTENSION + ".2." + (i + 1), new ASN1Integer(CPU_SVN[i]));
        }
        tcb[16] = field(SGX_EXTENSION + ".2.17", new ASN1Integer(PCE_SVN));
        tcb[17] = field(SGX_EXTENSION + ".2.18", new DEROctetString(CPU_SVN));
        return new DERSequence(new ASN1Encodable[] {
            field(SGX_EXTENSION + ".1", new DEROctetString(Arrays.copyOf(sha("SHA-256", "duet SIMULATED PPID"), 16))),
            field(SGX_EXTENSION + ".2", new DERSequence(tcb)),
            field(SGX_EXTENSION + ".3", new DEROctetString(PCE_ID.toByteArray())),
            field(SGX_EXTENSION + ".4", new DEROctetString(FMSPC.toByteArray())),
            field(SGX_EXTENSION + ".5", new ASN1Enumerated(SGX_TYPE)),
        });
    }

    private static ASN1Encodable field(String oid, ASN1Encodable value) {
        return new DERSequence(new ASN1Encodable[] {new ASN1ObjectIdentifier(oid), value});
    }

    /** ECDSA P-256 over SHA-256 as r ‖ s, the form quotes and Intel collateral carry. */
    private static byte[] sign(PrivateKey key, byte[] message) throws Exception {
        return SelfMadeCa.signP1363("SHA256", key, message);
    }

    /** X ‖ Y, 32 bytes each: how a quote carries its attestation key. */
    private static byte[] point(ECPublicKey key) {
        return concat(BigIntegers.asUnsignedByteArray(32, key.getW().getAffineX()),
                BigIntegers.asUnsignedByteArray(32, key.getW().getAffineY()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static byte[] sha(String algorithm, String text) {
        return digest(algorithm, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
