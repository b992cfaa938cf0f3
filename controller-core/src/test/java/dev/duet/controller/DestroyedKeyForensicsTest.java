package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attacker with a copy of the data directory, the development sealing key included, looks for a
 * key the controller destroyed: in every file (database, WAL, shared memory, journal, anything), as
 * the sealed blob, its parts, the raw key, and anything that unseals; a recovered key is tried on the
 * machine. A destroyed key must be gone from the disk when the destroying call returns.
 */
class DestroyedKeyForensicsTest {
    @TempDir Path dir;

    @Test
    void aKeyDestroyedByStopIsInNoFileOfTheDataDirectoryWhenStopReturns() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        OwnerId id = new OwnerId(owner.publicKey().keyId());
        Path data = dir.resolve("data");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            Optional<DiskAttacker.Target> machine = Optional.of(new DiskAttacker.Target(
                    new SshEndpoint("127.0.0.1", sshd.port(), OpenSshServer.user()), HostKeyPin.parse(sshd.hostPublicKey())));
            DiskAttacker.Secret secret;
            try (Controller c = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())))) {
                CvmView view = c.create(id, new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1", Optional.of(sshd.port()),
                        OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapPrivateKey(), Optional.of(sshd.authorizedKeys().toString())))));
                c.awaitProvisioning(Duration.ofSeconds(60));
                assertThat(c.get(view.id()).mode()).isEqualTo(CvmMode.IN_UPDATE);
                c.runCommand(id, SignedRequests.commandLine(view.id()), view.id(), new CommandRequest(List.of("true"), Optional.of(BigDecimal.valueOf(20))));
                c.setMode(id, view.id(), "in-service");
                c.setMode(id, view.id(), "in-update");
                secret = DiskAttacker.secretOf(data, view.id());

                List<String> beforeStop = DiskAttacker.findings(DiskAttacker.copyOf(data), data.resolve("sealing.key"), secret, machine);
                assertThat(beforeStop).as("the attacker's tools work: a live key is found and logs in")
                        .anyMatch(f -> f.contains("UNSEALS") && f.contains("LOGS IN"));

                c.stop(id, view.id());
                Map<String, byte[]> atReturn = DiskAttacker.copyOf(data);
                assertThat(atReturn.keySet()).contains("duet.db");
                assertThat(DiskAttacker.findings(atReturn, data.resolve("sealing.key"), secret, machine))
                        .as("the data directory the moment stop returned (what a kill then leaves)").isEmpty();
            }
            assertThat(DiskAttacker.findings(DiskAttacker.copyOf(data), data.resolve("sealing.key"), secret, machine))
                    .as("the data directory after the controller closed").isEmpty();
        }
    }

    /** The key is stored when adoption starts; an adoption that then fails must destroy it just as thoroughly. */
    @Test
    void aKeyDestroyedByAFailedAdoptionIsInNoFileOfTheDataDirectory() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
                Controller c = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())))) {
            String bootstrap = dev.duet.provisioner.ssh.SshKeys.openSshPrivateKey(dev.duet.provisioner.ssh.SshKeys.generateEd25519(), "bootstrap");
            CvmView view = c.create(new OwnerId(owner.publicKey().keyId()), new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1",
                    Optional.of(silent.getLocalPort()), "root", "SHA256:" + "A".repeat(43), bootstrap, Optional.empty()))));
            DiskAttacker.Secret secret = DiskAttacker.secretOf(data, view.id());
            c.awaitProvisioning(Duration.ofSeconds(60));
            assertThat(c.get(view.id()).mode()).isEqualTo(CvmMode.FAILED);
            assertThat(DiskAttacker.findings(DiskAttacker.copyOf(data), data.resolve("sealing.key"), secret, Optional.empty()))
                    .as("the data directory once the failure was recorded").isEmpty();
        }
    }

    /** The controller in a JVM of its own, killed with SIGKILL right after stop returned: nothing it did at exit can help. */
    @Test
    void aKeyDestroyedByStopStaysGoneWhenTheControllerIsKilledRightAfter() throws Exception {
        Path data = dir.resolve("data");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), StopThenWait.class.getName(), data.toString(),
                    String.valueOf(sshd.port()), OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapKeyFile().toString(),
                    sshd.authorizedKeys().toString())
                    .redirectError(dir.resolve("child.err").toFile()).start();
            String cvmId = null;
            DiskAttacker.Secret secret = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("secret ")) {
                        String[] f = line.split(" ");
                        cvmId = f[1];
                        secret = new DiskAttacker.Secret(f[1], HexFormat.of().parseHex(f[2]), HexFormat.of().parseHex(f[3]),
                                HexFormat.of().parseHex(f[4]), HexFormat.of().parseHex(f[5]));
                    }
                    if (line.equals("stopped")) {
                        child.destroyForcibly();
                        break;
                    }
                }
            }
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(secret).as(java.nio.file.Files.readString(dir.resolve("child.err"))).isNotNull();
            assertThat(cvmId).isNotNull();
            Optional<DiskAttacker.Target> machine = Optional.of(new DiskAttacker.Target(
                    new SshEndpoint("127.0.0.1", sshd.port(), OpenSshServer.user()), HostKeyPin.parse(sshd.hostPublicKey())));
            assertThat(DiskAttacker.findings(DiskAttacker.copyOf(data), data.resolve("sealing.key"), secret, machine))
                    .as("the data directory of the killed controller").isEmpty();
        }
    }
}
