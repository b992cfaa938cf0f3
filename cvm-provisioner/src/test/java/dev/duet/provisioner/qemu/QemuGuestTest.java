package dev.duet.provisioner.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.duet.attestation.Check;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.snp.SimulatedLaunch;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.provisioner.attest.EvidenceSource;
import dev.duet.provisioner.attest.HostKeyAttestation;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.attest.SimulatedSnpSource;
import dev.duet.provisioner.ssh.CommandOutcome;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshFailure;
import dev.duet.provisioner.ssh.SshHandshake;
import dev.duet.provisioner.ssh.SshKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real guests under QEMU (TCG): boot, keys, host-key binding through simulated SNP, stop. */
class QemuGuestTest {
    @TempDir static Path work;
    static QemuProvider provider;
    static SshConnector connector;
    static SimulatedSnpSource evidence;
    static byte[] launchDigest;

    @BeforeAll
    static void start() throws Exception {
        provider = QemuGuests.tcgProvider(work.resolve("vms"));
        connector = new SshConnector(Duration.ofSeconds(10));
        launchDigest = SimulatedLaunch.digest(provider.image().kernelSha384(), provider.image().initrdSha384(),
                provider.cmdline());
        evidence = new SimulatedSnpSource(SimulatedSnp.open(work.resolve("snp")), launchDigest);
    }

    @AfterAll
    static void stop() {
        provider.close();
        connector.close();
    }

    record Guest(QemuVm vm, KeyPair controllerKey, KeyPair hostKey) {
        SshEndpoint endpoint() {
            return new SshEndpoint("127.0.0.1", vm.sshPort(), "root");
        }
    }

    static Guest boot(String name) throws Exception {
        KeyPair controllerKey = SshKeys.generateEd25519();
        KeyPair hostKey = SshKeys.generateEd25519();
        QemuVm vm = provider.launch(name, SshKeys.authorizedKeyLine(controllerKey.getPublic(), "controller"),
                SshKeys.dropbearPrivateKey(hostKey));
        vm.awaitReady(provider.readyTimeout());
        return new Guest(vm, controllerKey, hostKey);
    }

    /** The host key a guest presents, learnt by a handshake that sends no credential. */
    static PublicKey presented(Guest guest) throws SshFailure {
        try (SshHandshake handshake = connector.handshake(guest.endpoint())) {
            return handshake.hostKey();
        }
    }

    static String run(SshConnection session, String... argv) throws SshFailure {
        CommandOutcome outcome = session.run(new RemoteCommand(List.of(argv), Duration.ofSeconds(20), 1 << 16));
        return new String(outcome.stdout().bytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void aGuestBootsAcceptsOnlyTheControllersKeyAndStopsWithoutLeavingQemu() throws Exception {
        Guest guest = boot("basic");
        try (SshHandshake stranger = connector.handshake(guest.endpoint())) {
            assertThat(stranger.hostKey()).isEqualTo(guest.hostKey().getPublic());
            assertThatThrownBy(() -> stranger.authenticate(SshKeys.generateEd25519())).isInstanceOf(SshFailure.class)
                    .extracting(e -> ((SshFailure) e).kind()).isEqualTo(SshFailure.Kind.AUTHENTICATION_FAILED);
        }
        SshHandshake handshake = connector.handshake(guest.endpoint());
        PublicKey presented = handshake.hostKey();
        assertThat(presented).isEqualTo(guest.hostKey().getPublic());
        try (SshConnection session = handshake.authenticate(guest.controllerKey())) {
            assertThat(session.hostKey()).isEqualTo(presented);
            assertThat(run(session, "cat", "/proc/cmdline")).as("the guest booted the line that is measured").isEqualTo(provider.cmdline());
            assertThat(run(session, "id", "-u")).isEqualTo("0");
            assertThat(run(session, "cat", "/proc/mounts")).as("attestation's modules load before the guest says it is ready")
                    .contains("configfs /sys/kernel/config configfs");
            assertThat(run(session, "cat", "/proc/modules")).contains("tsm ");
            assertThat(run(session, "uname", "-r")).isEqualTo(provider.image().packages().keySet().stream()
                    .filter(p -> p.startsWith("linux-image-")).findFirst().orElseThrow()
                    .replace("linux-image-", "").replace("-unsigned", ""));
            assertThat(run(session, "cat", "/etc/shadow")).isEqualTo("root:*:1:0:99999:7:::");
            assertThat(run(session, "stat", "-c", "%a %U %n", "/root/.ssh", "/root/.ssh/authorized_keys",
                    "/etc/dropbear/dropbear_ed25519_host_key")).as("the keys' copies are the owner's alone")
                    .isEqualTo("700 root /root/.ssh\n600 root /root/.ssh/authorized_keys\n600 root /etc/dropbear/dropbear_ed25519_host_key");
            assertThatThrownBy(() -> connector.connect(guest.endpoint(), HostKeyPin.of(presented), SshKeys.generateEd25519()))
                    .isInstanceOf(SshFailure.class).extracting(e -> ((SshFailure) e).kind())
                    .isEqualTo(SshFailure.Kind.AUTHENTICATION_FAILED);
            assertThatThrownBy(() -> connector.connect(guest.endpoint(), HostKeyPin.of(SshKeys.generateEd25519().getPublic()),
                    guest.controllerKey())).extracting(e -> ((SshFailure) e).kind()).isEqualTo(SshFailure.Kind.HOST_KEY_MISMATCH);
            session.run(new RemoteCommand(List.of("poweroff", "-f"), Duration.ofSeconds(5), 1024));
        } catch (SshFailure expectedWhenThePowerGoes) {
            // The channel may die with the guest.
        }
        guest.vm().stop(Duration.ofSeconds(10));
        assertThat(guest.vm().alive()).isFalse();
        assertThat(QemuGuests.qemuRunning("basic")).isFalse();
    }

    @Test
    void aGuestWhoseSshServerCannotStartSaysWhyInsteadOfReady() throws Exception {
        KeyPair controllerKey = SshKeys.generateEd25519();
        try (QemuVm vm = provider.launch("no-ssh", SshKeys.authorizedKeyLine(controllerKey.getPublic(), "controller"),
                "this is not a dropbear private key\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            assertThatThrownBy(() -> vm.awaitReady(provider.readyTimeout())).isInstanceOf(java.io.IOException.class)
                    .hasMessageStartingWith("the guest failed to start: dropbear exited: ")
                    .as("dropbear's own reason: the file's first length field is its first four letters")
                    .hasMessageContaining("Early exit: String too long");
            assertThat(vm.serial()).doesNotContain(QemuVm.READY);
            assertThat(vm.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("the guest powers itself off").isTrue();
        }
    }

    /** A CVM without configfs-tsm cannot attest: the guest says which module failed instead of becoming ready. */
    @Test
    void aGuestWhoseAttestationModulesDoNotLoadSaysWhyInsteadOfReady() throws Exception {
        assertThat(failureOfAnImageWithout(module("tsm.ko"), "no-tsm"))
                .hasMessage("the guest failed to start: attestation's modules did not load: tsm.ko");
    }

    /** Without the fw_cfg driver the keys cannot be read: the guest says the driver is missing, in modprobe's words. */
    @Test
    void aGuestWithoutTheFwCfgDriverSaysSoInsteadOfMissingKeys() throws Exception {
        assertThat(failureOfAnImageWithout(module("qemu_fw_cfg.ko"), "no-fw-cfg"))
                .hasMessageStartingWith("the guest failed to start: the fw_cfg driver is not loaded: ")
                .hasMessageContaining("qemu_fw_cfg");
    }

    /** Without the pipe its ready loop pauses on, the loop would spin: the guest says the pipe is missing instead. */
    @Test
    void aGuestWithoutItsPausePipeSaysSoInsteadOfSpinning() throws Exception {
        assertThat(failureOfAnImageWithout("/run/pause", "no-pause")).hasMessage("the guest failed to start: the image has no /run/pause pipe");
    }

    /** Where the image keeps the module file {@code file}. */
    private String module(String file) throws java.io.IOException {
        return "/lib/modules/" + QemuGuests.kernelRelease(provider.image()) + "/" + file;
    }

    /**
     * Boots a copy of the image that lacks the file at {@code path} and returns why the guest said it
     * could not become ready; it must never say ready, and must power itself off.
     */
    private java.io.IOException failureOfAnImageWithout(String path, String name) throws Exception {
        GuestImage without = QemuGuests.withMissingFile(provider.image(), work.resolve("image-" + name), path);
        try (QemuProvider broken = QemuProvider.start(without, work.resolve("vms-" + name), Optional.of("tcg"));
                QemuVm vm = broken.launch(name, SshKeys.authorizedKeyLine(SshKeys.generateEd25519().getPublic(), "controller"),
                        SshKeys.dropbearPrivateKey(SshKeys.generateEd25519()))) {
            Throwable failure = catchThrowable(() -> vm.awaitReady(broken.readyTimeout()));
            assertThat(failure).isInstanceOf(java.io.IOException.class);
            assertThat(vm.serial()).doesNotContain(QemuVm.READY);
            assertThat(vm.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("the guest powers itself off").isTrue();
            return (java.io.IOException) failure;
        }
    }

    @Test
    void theAcceleratorProbesGuestReallyBecomesReady() throws Exception {
        assertThat(QemuProvider.probe(provider.image(), java.nio.file.Files.createDirectories(work.resolve("probe")), "tcg",
                provider.readyTimeout())).isEmpty();
    }

    @Test
    void theHostKeyIsPinnedOnlyWhenTheEvidenceBindsItToThisNonce() throws Exception {
        Guest first = boot("bind-a");
        Guest second = boot("bind-b");
        try {
            byte[] nonce = "nonce-0123456789abcdef0123456789".getBytes(StandardCharsets.US_ASCII);
            PublicKey presented = presented(first);
            EvidenceSource.Attested report = evidence.report(new EvidenceSource.Guest(first.hostKey().getPublic(), null), nonce);
            Instant now = Instant.now();
            Optional<byte[]> digest = Optional.of(launchDigest);
            AmdTrust trust = evidence.trust();

            Verdict genuine = HostKeyAttestation.verify(trust, report, presented, nonce, digest, now);
            assertThat(genuine.failures()).isEmpty();
            assertThat(genuine.accepted()).isTrue();
            assertThat(genuine.evidence()).contains(SimulatedSnp.TRUST_NAME);

            PublicKey otherVm = presented(second);
            assertThat(failed(HostKeyAttestation.verify(trust, report, otherVm, nonce, digest, now)))
                    .containsExactly("policy.report-data");
            byte[] staleNonce = "an-older-nonce-from-another-time".getBytes(StandardCharsets.US_ASCII);
            assertThat(failed(HostKeyAttestation.verify(trust, evidence.report(new EvidenceSource.Guest(first.hostKey().getPublic(),
                    null), staleNonce), presented, nonce, digest, now))).containsExactly("policy.report-data");
            byte[] forged = report.report();
            forged[0x90] ^= 1;
            assertThat(failed(HostKeyAttestation.verify(trust, new EvidenceSource.Attested(forged, report.endorsement()), presented,
                    nonce, digest, now))).contains("snp.signature");
            AmdTrust otherRoot = SimulatedSnp.open(work.resolve("other-snp")).trust();
            assertThat(failed(HostKeyAttestation.verify(otherRoot, report, presented, nonce, digest, now)))
                    .contains("snp.chain");
            assertThat(failed(HostKeyAttestation.verify(AmdTrust.amd(), report, presented, nonce, digest, now)))
                    .contains("snp.chain");
            byte[] otherImage = launchDigest.clone();
            otherImage[0] ^= 1;
            assertThat(failed(HostKeyAttestation.verify(trust, report, presented, nonce, Optional.of(otherImage), now)))
                    .containsExactly("policy.measurement");
        } finally {
            first.vm().close();
            second.vm().close();
        }
    }

    @Test
    void configfsTsmIsPresentButHasNoProviderInAGuestWithoutTee() throws Exception {
        Guest guest = boot("tsm");
        try (SshConnection session = connector.connect(guest.endpoint(), HostKeyPin.of(guest.hostKey().getPublic()),
                guest.controllerKey())) {
            dev.duet.provisioner.attest.ConfigFsTsm.Result result = dev.duet.provisioner.attest.ConfigFsTsm.request(new dev.duet.provisioner.attest.SshTsmFs(session), "duet-probe",
                    new byte[64]);
            assertThat(result).isInstanceOf(dev.duet.provisioner.attest.ConfigFsTsm.Result.NoTee.class);
            assertThat(((dev.duet.provisioner.attest.ConfigFsTsm.Result.NoTee) result).reason()).contains("no TEE in this guest");
        } finally {
            guest.vm().close();
        }
    }

    @Test
    void theGuestBindsItsOwnHostKeyForTheConfigfsRequest() throws Exception {
        Guest guest = boot("bind-in-guest");
        try (SshConnection session = connector.connect(guest.endpoint(), HostKeyPin.of(guest.hostKey().getPublic()),
                guest.controllerKey())) {
            run(session, "mkdir", "-p", "/tmp/tsm/e1");
            byte[] nonce = new byte[32];
            new java.security.SecureRandom().nextBytes(nonce);
            nonce[0] = 0;
            byte[] written = new dev.duet.provisioner.attest.SshTsmFs(session, "/tmp/tsm").writeHostKeyBinding("e1", nonce);
            byte[] expected = dev.duet.provisioner.attest.HostKeyBinding.reportData(guest.hostKey().getPublic(), nonce);
            assertThat(written).containsExactly(expected);
            assertThat(new dev.duet.provisioner.attest.SshTsmFs(session, "/tmp/tsm").read("e1", "inblob")).containsExactly(expected);
        } finally {
            guest.vm().close();
        }
    }

    @Test
    void aFileWrittenOverSftpLandsWholeInTheGuestAndReadsBack() throws Exception {
        Guest guest = boot("files");
        try (SshConnection session = connector.connect(guest.endpoint(), HostKeyPin.of(guest.hostKey().getPublic()),
                guest.controllerKey())) {
            byte[] content = new byte[100_000];
            new java.util.Random(11).nextBytes(content);
            session.writeFile("/root/app.bin", 0640, new java.io.ByteArrayInputStream(content));
            assertThat(run(session, "stat", "-c", "%a %s", "/root/app.bin")).isEqualTo("640 100000");
            assertThat(run(session, "sha256sum", "/root/app.bin")).startsWith(java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(content)) + " ");
            session.writeFile("/root/app.bin", 0600, new java.io.ByteArrayInputStream("replaced\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(run(session, "cat", "/root/app.bin")).isEqualTo("replaced");
            assertThat(run(session, "ls", "-a", "/root")).doesNotContain(".duet-upload-");
            dev.duet.provisioner.ssh.RemoteFile read = session.readFile("/root/app.bin", 1000);
            assertThat(new String(read.bytes(), StandardCharsets.UTF_8)).isEqualTo("replaced\n");
        } finally {
            guest.vm().close();
        }
    }

    @Test
    void fourGuestsRunAtOnceEachOnItsOwnPort() throws Exception {
        List<Guest> guests = new ArrayList<>();
        try {
            List<QemuVm> vms = new ArrayList<>();
            List<KeyPair> keys = new ArrayList<>();
            List<KeyPair> hostKeys = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                KeyPair controllerKey = SshKeys.generateEd25519();
                KeyPair hostKey = SshKeys.generateEd25519();
                vms.add(provider.launch("four-" + i, SshKeys.authorizedKeyLine(controllerKey.getPublic(), "c"),
                        SshKeys.dropbearPrivateKey(hostKey)));
                keys.add(controllerKey);
                hostKeys.add(hostKey);
            }
            for (int i = 0; i < 4; i++) {
                vms.get(i).awaitReady(Duration.ofSeconds(120));
                guests.add(new Guest(vms.get(i), keys.get(i), hostKeys.get(i)));
            }
            assertThat(guests.stream().map(g -> g.vm().sshPort()).distinct()).hasSize(4);
            for (Guest guest : guests) {
                try (SshConnection session = connector.connect(guest.endpoint(), HostKeyPin.of(guest.hostKey().getPublic()),
                        guest.controllerKey())) {
                    assertThat(run(session, "hostname")).isEqualTo("duet-guest");
                }
            }
        } finally {
            guests.forEach(g -> g.vm().close());
        }
        for (int i = 0; i < 4; i++) {
            assertThat(QemuGuests.qemuRunning("four-" + i)).isFalse();
        }
    }

    private static List<String> failed(Verdict verdict) {
        return verdict.failures().stream().map(Check::id).toList();
    }

}
