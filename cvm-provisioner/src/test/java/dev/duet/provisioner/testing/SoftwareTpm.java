package dev.duet.provisioner.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A software TPM 2.0 (Debian's {@code swtpm}, libtpms) in socket mode on loopback, with its state in
 * a directory of the test's, provisioned the way Azure's paravisor provisions a confidential VM's
 * vTPM: an RSA-2048 restricted signing key (the attestation key) persistent at 0x81000003 under the
 * endorsement hierarchy, and NV index 0x01400001 holding the HCL report. It is a stand-in for the
 * vTPM: its keys are made here, so its quotes prove nothing about any hardware. There is no resource
 * manager in front of it, so each provisioning step flushes the transient objects it loaded.
 */
public final class SoftwareTpm implements AutoCloseable {
    public static final Path SWTPM = Path.of("/usr/bin/swtpm");
    public static final Path TPM2_QUOTE = Path.of("/usr/bin/tpm2_quote");

    private final Path dir;
    private final int port;
    private final Process process;

    private SoftwareTpm(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Whether swtpm and tpm2-tools are installed ({@code ./duet test} installs them). */
    public static boolean available() {
        return Files.isExecutable(SWTPM) && Files.isExecutable(TPM2_QUOTE);
    }

    public static SoftwareTpm start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("state"));
        int port = freePortPair();
        int control = port + 1;
        Process process = new ProcessBuilder(SWTPM.toString(), "socket", "--tpm2",
                "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
                "--ctrl", "type=tcp,port=" + control + ",bindaddr=127.0.0.1",
                "--tpmstate", "dir=" + dir.resolve("state"), "--flags", "not-need-init,startup-clear")
                .redirectErrorStream(true).redirectOutput(dir.resolve("swtpm.out").toFile()).start();
        SoftwareTpm tpm = new SoftwareTpm(dir, port, process);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!tpm.listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                tpm.close();
                throw new IOException("swtpm did not listen on " + port + ": " + Files.readString(dir.resolve("swtpm.out")));
            }
            Thread.sleep(20);
        }
        return tpm;
    }

    private boolean listening() {
        try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** What tpm2-tools take to reach this TPM ({@code -T} or TPM2TOOLS_TCTI). */
    public String tcti() {
        return "swtpm:host=127.0.0.1,port=" + port;
    }

    /** Creates the attestation key under the endorsement hierarchy and makes it persistent at 0x81000003. */
    public RSAPublicKey provisionAttestationKey() throws IOException, InterruptedException {
        tool("tpm2_createprimary", "-C", "e", "-g", "sha256", "-G", "rsa", "-c", "ek.ctx", "-Q");
        tool("tpm2_create", "-C", "ek.ctx", "-G", "rsa2048:rsassa-sha256:null",
                "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign", "-u", "ak.pub", "-r", "ak.priv", "-Q");
        tool("tpm2_flushcontext", "-t");
        tool("tpm2_load", "-C", "ek.ctx", "-u", "ak.pub", "-r", "ak.priv", "-c", "ak.ctx", "-Q");
        tool("tpm2_evictcontrol", "-C", "o", "-c", "ak.ctx", "0x81000003");
        tool("tpm2_flushcontext", "-t");
        tool("tpm2_readpublic", "-c", "0x81000003", "-f", "pem", "-o", "ak.pem");
        String pem = Files.readString(dir.resolve("ak.pem"), StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("tpm2_readpublic wrote no RSA key: " + e.getMessage(), e);
        }
    }

    /** (Re)defines NV index 0x01400001 with exactly {@code report} in it. */
    public void writeHclReport(byte[] report) throws IOException, InterruptedException {
        Files.write(dir.resolve("hcl.bin"), report);
        tool(true, "tpm2_nvundefine", "-C", "o", "0x01400001");
        tool("tpm2_nvdefine", "0x01400001", "-C", "o", "-s", String.valueOf(report.length), "-a", "ownerread|ownerwrite|authread|authwrite");
        tool("tpm2_nvwrite", "0x01400001", "-C", "o", "-i", "hcl.bin");
    }

    private void tool(String... argv) throws IOException, InterruptedException {
        tool(false, argv);
    }

    private void tool(boolean mayFail, String... argv) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(argv));
        command.addAll(1, List.of("-T", tcti()));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(argv[0] + " did not finish");
        }
        if (p.exitValue() != 0 && !mayFail) {
            throw new IOException(argv[0] + " failed: " + out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** A free port whose successor is free too: the swtpm TCTI finds the control channel at the next port. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (port < 65535) {
                    try (ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
                        return port;
                    } catch (IOException taken) {
                        // Try another pair.
                    }
                }
            }
        }
        throw new IOException("no two adjacent free loopback ports");
    }
}
