package dev.duet.provisioner.attest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.Verdict;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fresh reports from the simulated chip over a real pinned session (Debian's sshd on loopback): the
 * REPORT_DATA layout byte by byte, a report that binds the nonce and the log head, and the stale
 * (other nonce) and replayed (earlier head) reports the binding check refuses.
 */
class FreshReportTest {
    @TempDir Path dir;

    private static final CvmFreshBinding.LogHead HEAD = new CvmFreshBinding.LogHead(7, Octets.copyOf(filled(32, 0x5a)));
    private static final CvmFreshBinding.LogHead EARLIER = new CvmFreshBinding.LogHead(6, Octets.copyOf(filled(32, 0x17)));

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void reportDataIsSha512OverLabelFramedHostKeySizeHeadAndNonce() throws Exception {
        byte[] blob = "host key blob".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream layout = new ByteArrayOutputStream();
        layout.write("duet cvm fresh evidence v1".getBytes(StandardCharsets.US_ASCII));
        layout.write(0);
        layout.write(new byte[] {0, 0, 0, 13});
        layout.write(blob);
        layout.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 7});
        layout.write(filled(32, 0x5a));
        layout.write("n-1".getBytes(StandardCharsets.UTF_8));
        assertThat(CvmFreshBinding.reportData(blob, "n-1", HEAD).toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-512").digest(layout.toByteArray()));
        assertThat(CvmFreshBinding.reportData(blob, "n-1", HEAD)).as("never the launch binding of the same key and nonce")
                .isNotEqualTo(Octets.copyOf(dev.duet.attestation.SshHostKeyBinding.reportData(blob, "n-1".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aSimulatedFreshReportBindsTheNonceAndHeadAndAStaleOrReplayedOneFailsTheBinding() throws Exception {
        SimulatedSnp chip = SimulatedSnp.open(dir.resolve("chip"));
        byte[] measurement = filled(48, 0x33);
        SimulatedSnpSource source = new SimulatedSnpSource(chip, measurement);
        KeyPair controllerKey = SshKeys.generateEd25519();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                SshConnector connector = new SshConnector(Duration.ofSeconds(10))) {
            java.nio.file.Files.writeString(sshd.authorizedKeys(), SshKeys.authorizedKeyLine(controllerKey.getPublic(), "duet") + "\n");
            HostKeyPin pin = HostKeyPin.parse(sshd.hostPublicKey());
            byte[] hostKey = SshKeys.publicKeyBlob(SshKeys.parsePublicKey(sshd.hostPublicKey()));
            try (SshConnection pinned = connector.connect(new SshEndpoint("127.0.0.1", sshd.port(), OpenSshServer.user()), pin,
                    controllerKey)) {
                Octets asked = CvmFreshBinding.reportData(hostKey, "nonce-now", HEAD);
                EvidenceSource.Attested fresh = source.freshReport(pinned, asked.toByteArray());
                Octets report = Octets.copyOf(fresh.report());

                Check bound = CvmFreshBinding.verify(report, hostKey, "nonce-now", HEAD);
                assertThat(bound.passed()).as(bound.describe()).isTrue();
                Verdict appraised = HostKeyAttestation.verify(source.trust(), fresh, asked, Optional.of(measurement), Instant.now());
                assertThat(appraised.accepted()).as(appraised.failures().toString()).isTrue();

                Check stale = CvmFreshBinding.verify(report, hostKey, "nonce-of-another-user", HEAD);
                assertThat(stale.passed()).isFalse();
                assertThat(stale.reason()).contains("stale");
                Check replayed = CvmFreshBinding.verify(report, hostKey, "nonce-now", EARLIER);
                assertThat(replayed.passed()).isFalse();
                assertThat(replayed.reason()).contains("replayed");
                Check otherKey = CvmFreshBinding.verify(report, SshKeys.publicKeyBlob(SshKeys.generateEd25519().getPublic()), "nonce-now", HEAD);
                assertThat(otherKey.passed()).isFalse();
                assertThat(HostKeyAttestation.verify(source.trust(), fresh, CvmFreshBinding.reportData(hostKey, "nonce-now", EARLIER),
                        Optional.of(measurement), Instant.now()).accepted()).as("the appraisal pins REPORT_DATA too").isFalse();
            }
        }
    }

    @Test
    void theSimulatedChipSignsNothingWhenThePinnedSessionNoLongerAnswers() throws Exception {
        SimulatedSnpSource source = new SimulatedSnpSource(SimulatedSnp.open(dir.resolve("chip")), filled(48, 0x33));
        KeyPair controllerKey = SshKeys.generateEd25519();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                SshConnector connector = new SshConnector(Duration.ofSeconds(10))) {
            java.nio.file.Files.writeString(sshd.authorizedKeys(), SshKeys.authorizedKeyLine(controllerKey.getPublic(), "duet") + "\n");
            SshConnection pinned = connector.connect(new SshEndpoint("127.0.0.1", sshd.port(), OpenSshServer.user()),
                    HostKeyPin.parse(sshd.hostPublicKey()), controllerKey);
            pinned.close();
            assertThatThrownBy(() -> source.freshReport(pinned, new byte[64])).isInstanceOf(IOException.class);
        }
    }

    @Test
    void unreadableEvidenceFailsTheBindingCheckWithoutAnException() {
        Check check = CvmFreshBinding.verify(Octets.copyOf(ByteBuffer.allocate(16).putInt(0, 0x7f).array()), new byte[] {1}, "n", HEAD);
        assertThat(check.passed()).isFalse();
        assertThat(check.reason()).contains("cannot be read");
    }
}
