package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.api.EndToEndTest.CliRun;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.QemuSupport;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.qemu.GuestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet verify} end to end with a QEMU CVM (issue 11): a controller with simulated SNP
 * self-attestation serving HTTPS launches a guest whose simulated launch evidence comes from the
 * same simulated chip; the bundle fetched over the attested TLS key verifies against a policy that
 * trusts that chip's root by fingerprint and pins the guest image's launch digest: TRUSTED. The
 * same policy without the root, or with another image's digest, is refused under guarantee 3.
 */
class QemuVerifyTest {
    @TempDir Path dir;

    @Test
    void aQemuCvmsBundleVerifiesAgainstAPolicyPinningItsImage() throws Exception {
        Path ownerKeyFile = dir.resolve("owner.key");
        assertThat(cli("keygen", "--out", ownerKeyFile.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKeyFile));
        Path data = dir.resolve("data");
        QemuSupport qemu = QemuSupport.start(data, GuestImage.defaultDirectory(), Optional.of("tcg"));
        SimulatedSnp chip = SimulatedSnp.open(data.resolve("simulated-snp"));
        Controller controller = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())),
                d -> FileSealer.openOrCreate(d.sealingKey()), Optional.of(qemu), SelfAttestation.simulatedSnp(chip));
        String ark = ControllerEvidenceVerifier.fingerprint(Octets.copyOf(chip.arkDer())).hex();
        try (RunningController running = new RunningController(controller,
                ControllerServer.start(controller, "127.0.0.1", 0, ControllerServer.Transport.HTTPS))) {
            String url = "https://127.0.0.1:" + running.port();
            String key = ownerKeyFile.toString();
            CliRun created = cli("create", "--controller", url, "--trust-simulated-root", ark, "--key", key, "--name", "vm-1", "--wait");
            assertThat(created.exit()).as(created.out() + created.err()).isZero();
            String cvm = created.out().split(" ")[0];
            CliRun ran = cli("run", "--controller", url, "--trust-simulated-root", ark, "--key", key, cvm, "--", "uname", "-r");
            assertThat(ran.exit()).as(ran.err()).isZero();
            CliRun inService = cli("mode", "--controller", url, "--trust-simulated-root", ark, "--key", key, cvm, "in-service");
            assertThat(inService.exit()).as(inService.out() + inService.err()).isZero();

            String digest = cli("attest", "launch-digest", "--image", GuestImage.defaultDirectory().toString(), "--cmdline",
                    qemu.provider().cmdline()).out().strip();
            String policy = """
                    controller:
                      evidenceKinds: [sev-snp]
                      trustSimulatedRoot: "%s"
                    cvm:
                      evidenceKinds: [sev-snp]
                      snp:
                        measurements: ["%s"]
                    owners: ["%s"]
                    mode: {inService: required}
                    forbiddenCommands:
                      - [rm, "**"]
                    maxInUpdateWindows: 1
                    maxAge: PT1H
                    """.formatted(ark, digest, owner.publicKey().keyId());
            Path trusting = Files.writeString(dir.resolve("policy.yaml"), policy);
            String bundleUrl = url + "/v1/cvms/" + cvm + "/bundle";
            CliRun verified = cli("verify", bundleUrl, "--policy", trusting.toString());
            assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();
            assertThat(verified.out()).contains("SIMULATED: the CVM's evidence").contains("PASS 3 cvm-genuine")
                    .endsWith("TRUSTED (SIMULATED)\n");

            Path otherImage = Files.writeString(dir.resolve("other-image.yaml"), policy.replace(digest, "ab".repeat(48)));
            CliRun other = cli("verify", bundleUrl, "--policy", otherImage.toString());
            assertThat(other.exit()).as(other.out()).isEqualTo(1);
            assertThat(other.out()).contains("FAIL 3 cvm-genuine").contains("FAIL policy.cvm.measurement");

            assertThat(cli("stop", "--controller", url, "--trust-simulated-root", ark, "--key", key, cvm).exit()).isZero();
            running.controller.awaitProvisioning(Duration.ofSeconds(30));
        }
    }
}
