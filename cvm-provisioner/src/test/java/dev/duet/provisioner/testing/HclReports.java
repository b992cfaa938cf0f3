package dev.duet.provisioner.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.duet.attestation.intel.SimulatedDcap;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * STAND-INS for what Azure's paravisor and instance metadata service give a confidential VM, built
 * on duet's SIMULATED SNP chip and SIMULATED Intel DCAP chain: an HCL report whose SNP report or TD
 * report binds runtime claims naming a vTPM attestation key, a THIM endpoint serving the chip's VCEK,
 * and IMDS's TD quote endpoint quoting the TD report it is sent. The keys are made in the test, so
 * nothing built here says anything about hardware or about Azure; it lets the collector, the
 * provider and the verifiers meet real tpm2-tools and a real sshd.
 */
public final class HclReports {
    /** Where THIM answers on the stand-in's server (the path Azure's IMDS uses). */
    public static final String THIM_PATH = "/metadata/THIM/amd/certification";
    /** Where the TD quote endpoint answers on the stand-in's server (the path Azure's IMDS uses). */
    public static final String TD_QUOTE_PATH = "/acc/tdquote";
    private static final int SNP_REPORT_TYPE = 2;
    private static final int TDX_REPORT_TYPE = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private HclReports() {}

    /**
     * An HCL report in the layout {@code HclReportParser} reads: header, the simulated chip's SNP
     * report (VMPL 0, {@code measurement}) binding SHA-256(claims), request data (SNP, SHA-256), and
     * claims naming {@code key} HCLAkPub and the VM the ARM stand-in creates ({@link ArmStandIn#VM_UNIQUE_ID}).
     */
    public static byte[] build(SimulatedSnp chip, RSAPublicKey key, byte[] measurement) throws IOException {
        return build(chip, key, measurement, ArmStandIn.VM_UNIQUE_ID);
    }

    /** The same, from the VM {@code vmUniqueId}. */
    public static byte[] build(SimulatedSnp chip, RSAPublicKey key, byte[] measurement, String vmUniqueId) throws IOException {
        byte[] claims = claims(key, vmUniqueId);
        return hcl(SNP_REPORT_TYPE, chip.report(Arrays.copyOf(sha256(claims), 64), measurement), claims);
    }

    /**
     * The TDX form: a TD report ({@link SimulatedDcap#tdReport}, MRTD {@code mrTd}) binding
     * SHA-256(claims), request data (TDX, SHA-256), and claims naming {@code key} HCLAkPub and the VM
     * the ARM stand-in creates.
     */
    public static byte[] buildTdx(RSAPublicKey key, byte[] mrTd) {
        byte[] claims = claims(key, ArmStandIn.VM_UNIQUE_ID);
        return hcl(TDX_REPORT_TYPE, SimulatedDcap.tdReport(Arrays.copyOf(sha256(claims), 64), mrTd), claims);
    }

    private static byte[] claims(RSAPublicKey key, String vmUniqueId) {
        return ("{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\"" + b64url(key.getPublicExponent())
                + "\",\"n\":\"" + b64url(key.getModulus()) + "\"}],\"vm-configuration\":{\"console-enabled\":false,\"secure-boot\":true,"
                + "\"tpm-enabled\":true,\"vmUniqueId\":\"" + vmUniqueId + "\"},\"user-data\":\"" + "0".repeat(128) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Header, the hardware report in its 1,184-byte area (zero-padded), request data (SHA-256) and the claims. */
    private static byte[] hcl(int reportType, byte[] hardware, byte[] claims) {
        int size = 32 + 1184 + 20 + claims.length;
        ByteBuffer hcl = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        hcl.putInt(0x414c4348).putInt(2).putInt(size).putInt(2).putInt(0).put(new byte[12]);
        hcl.put(Arrays.copyOf(hardware, 1184));
        hcl.putInt(20 + claims.length).putInt(1).putInt(reportType).putInt(1).putInt(claims.length).put(claims);
        return hcl.array();
    }

    /** A loopback HTTP server answering {@link #THIM_PATH} as IMDS does (only with {@code Metadata: true}) with the chip's VCEK. */
    public static HttpServer thim(SimulatedSnp chip) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(chip.vcekDer()) + "\n-----END CERTIFICATE-----\n";
        ObjectNode answer = JSON.createObjectNode().put("vcekCert", pem).put("tcbm", "DB18000000000004")
                .put("certificateChain", "").put("cacheControl", "86400");
        byte[] body = JSON.writeValueAsBytes(answer);
        server.createContext(THIM_PATH, exchange -> {
            boolean asked = "true".equals(exchange.getRequestHeaders().getFirst("Metadata"));
            exchange.sendResponseHeaders(asked ? 200 : 400, asked ? body.length : -1);
            if (asked) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        return server;
    }

    /**
     * Adds IMDS's TD quote endpoint to {@code server}: a POST of {@code {"report": base64url(TD report)}}
     * answers {@code {"quote": base64url(quote)}}, the simulated chain's quote of that report.
     */
    public static void tdQuote(HttpServer server, SimulatedDcap dcap) {
        server.createContext(TD_QUOTE_PATH, exchange -> {
            byte[] answer;
            try {
                byte[] report = Base64.getUrlDecoder().decode(JSON.readTree(exchange.getRequestBody()).path("report").asText());
                answer = JSON.writeValueAsBytes(JSON.createObjectNode().put("quote",
                        Base64.getUrlEncoder().withoutPadding().encodeToString(dcap.quote(report))));
            } catch (IOException | RuntimeException e) {
                answer = null;
            }
            boolean quoted = answer != null && "POST".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(quoted ? 200 : 400, quoted ? answer.length : -1);
            if (quoted) {
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        });
    }

    /** The THIM URL of a server {@link #thim} made. */
    public static URI thimUri(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + THIM_PATH);
    }

    private static String b64url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(bytes, skip, bytes.length));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
