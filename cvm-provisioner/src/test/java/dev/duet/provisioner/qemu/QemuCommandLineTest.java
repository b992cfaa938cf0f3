package dev.duet.provisioner.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated command lines, and the accelerator probe on this machine. */
class QemuCommandLineTest {
    @TempDir Path dir;

    private QemuCommandLine line(Confidential confidential, Optional<Path> firmware) throws Exception {
        return new QemuCommandLine("qemu-system-x86_64", "duet-x", confidential == Confidential.NONE ? "tcg" : "kvm", 128, 1,
                40022, dir.resolve("serial.log"), QemuGuests.image(), GuestImage.CMDLINE + " tsc_early_khz=2596128",
                Map.of("hostkey", dir.resolve("hk"), "authorized_keys", dir.resolve("ak")), confidential, firmware);
    }

    private static String joined(QemuCommandLine line) {
        return String.join(" ", line.arguments());
    }

    @Test
    void aPlainGuestIsLockedDownAndForwardsOnlyLoopbackSsh() throws Exception {
        String args = joined(line(Confidential.NONE, Optional.empty()));
        assertThat(args).contains("-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22", "-nodefaults",
                "-no-user-config", "-monitor none", "-no-reboot", "-m 128M", "-smp 1", "-accel tcg",
                "-fw_cfg name=opt/duet/authorized_keys,file=" + dir.resolve("ak"),
                "-fw_cfg name=opt/duet/hostkey,file=" + dir.resolve("hk"), "-append " + GuestImage.CMDLINE + " tsc_early_khz=2596128",
                "-M microvm,pit=on,pic=on,rtc=on", "-device virtio-net-device,netdev=n0");
        assertThat(args).doesNotContain("-daemonize").doesNotContain("sev-snp").doesNotContain("tdx");
        assertThat(args.indexOf("authorized_keys")).isLessThan(args.indexOf("opt/duet/hostkey"));
    }

    @Test
    void confidentialGuestsGetTheirObjectsMemfdAndFirmware() throws Exception {
        Path ovmf = dir.resolve("OVMF.fd");
        String snp = joined(line(Confidential.SEV_SNP, Optional.of(ovmf)));
        assertThat(snp).contains("confidential-guest-support=cvm0", "memory-backend-memfd,id=ram0,size=128M",
                "sev-snp-guest,id=cvm0,cbitpos=51", "-bios " + ovmf, "iommu_platform=true", "-accel kvm", "-cpu host");
        String tdx = joined(line(Confidential.TDX, Optional.of(ovmf)));
        assertThat(tdx).contains("tdx-guest,id=cvm0", "kernel-irqchip=split", "memory-backend-memfd", "-bios " + ovmf);
        assertThatThrownBy(() -> line(Confidential.TDX, Optional.empty()).arguments()).hasMessageContaining("OVMF");
    }

    @Test
    void qemuAcceptsTheConfidentialLinesWhereItKnowsTheObjects() throws Exception {
        Process help = new ProcessBuilder(QemuProvider.BINARY, "-object", "help").redirectErrorStream(true).start();
        String objects = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        help.waitFor(10, TimeUnit.SECONDS);
        for (Confidential kind : List.of(Confidential.SEV_SNP, Confidential.TDX)) {
            String object = kind == Confidential.SEV_SNP ? "sev-snp-guest" : "tdx-guest";
            assumeTrue(objects.contains(object), "this QEMU does not know " + object + " (QEMU 7.2 predates both)");
            Path ovmf = Files.write(dir.resolve("OVMF-" + kind + ".fd"), new byte[1 << 20]);
            Process qemu = new ProcessBuilder(line(kind, Optional.of(ovmf)).arguments()).redirectErrorStream(true).start();
            String output = new String(qemu.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(qemu.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(output).as("QEMU parsed the line and stopped only for want of KVM/hardware")
                    .doesNotContain("invalid option").doesNotContain("Parameter").doesNotContain("unknown");
        }
    }

    @Test
    void theProbeSaysWhichAcceleratorItChoseAndWhy() throws Exception {
        try (QemuProvider provider = QemuProvider.start(QemuGuests.image(), dir.resolve("probe"), Optional.empty())) {
            assertThat(provider.accelerator()).isIn("kvm", "tcg");
            assertThat(provider.acceleratorReason()).isNotBlank();
            if (provider.accelerator().equals("tcg") && Files.exists(Path.of("/dev/kvm"))) {
                assertThat(provider.acceleratorReason()).contains("did not boot under it");
            }
        }
        assertThat(QemuGuests.qemuRunning("kvm-probe")).isFalse();
    }
}
