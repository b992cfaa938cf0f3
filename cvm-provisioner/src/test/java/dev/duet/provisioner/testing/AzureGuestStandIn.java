package dev.duet.provisioner.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;

/**
 * A STAND-IN for an Azure confidential VM's guest, from real parts where they run here: Debian's
 * sshd, swtpm (with an attestation key and an HCL report from duet's simulated SNP chip in its NV
 * index), and a loopback THIM serving the chip's VCEK. The THIM server is started; callers may add
 * contexts to it. Skips the calling test (JUnit assumption) without swtpm, tpm2-tools or sshd.
 */
public record AzureGuestStandIn(SimulatedSnp chip, SoftwareTpm tpm, RSAPublicKey ak, HttpServer thim, OpenSshServer sshd)
        implements AutoCloseable {

    /** Starts it in {@code dir}, its HCL report carrying {@code measurement}. */
    public static AzureGuestStandIn start(Path dir, byte[] measurement) throws Exception {
        assumeTrue(SoftwareTpm.available(), "swtpm and tpm2-tools are not installed (./duet test installs them)");
        assumeTrue(Files.isExecutable(OpenSshServer.SSHD), "Debian's openssh-server is not installed");
        SimulatedSnp chip = SimulatedSnp.open(dir.resolve("chip"));
        SoftwareTpm tpm = SoftwareTpm.start(dir.resolve("tpm"));
        RSAPublicKey ak = tpm.provisionAttestationKey();
        tpm.writeHclReport(HclReports.build(chip, ak, measurement));
        HttpServer thim = HclReports.thim(chip);
        thim.start();
        return new AzureGuestStandIn(chip, tpm, ak, thim, OpenSshServer.start(dir.resolve("sshd")));
    }

    /**
     * Makes this guest the VM {@code arm} creates: at 127.0.0.1, and its only authorized key the one
     * the controller put in the VM body, as Azure's provisioning would install it.
     */
    public void playTheVmOf(ArmStandIn arm) {
        arm.answerAddress("127.0.0.1");
        arm.onVmCreated(path -> {
            String key = arm.resource(path).orElseThrow().at("/properties/osProfile/linuxConfiguration/ssh/publicKeys/0/keyData").asText();
            try {
                Files.writeString(sshd.authorizedKeys(), key + "\n");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public void close() throws Exception {
        sshd.close();
        thim.stop(0);
        tpm.close();
    }
}
