package dev.duet.provisioner.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest's command line: the host's TSC rate under TCG only, read from cpuinfo or refused. */
class GuestCmdlineTest {
    @TempDir Path dir;

    private Path cpuinfo(String text) throws IOException {
        return Files.writeString(dir.resolve("cpuinfo"), text);
    }

    @Test
    void underTcgTheHostsRateIsAppendedInKilohertz() throws IOException {
        Path info = cpuinfo("processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\ncpu MHz\t\t: 2596.128\n\nprocessor\t: 1\ncpu MHz\t\t: 1200.000\n");
        assertThat(GuestCmdline.forAccelerator("tcg", info)).isEqualTo(GuestImage.CMDLINE + " tsc_early_khz=2596128");
        assertThat(GuestCmdline.forAccelerator("kvm", info)).isEqualTo(GuestImage.CMDLINE);
    }

    @Test
    void aHostWithoutAReadableRateIsRefusedUnderTcg() throws IOException {
        assertThatThrownBy(() -> GuestCmdline.forAccelerator("tcg", cpuinfo("processor\t: 0\n")))
                .isInstanceOf(IOException.class).hasMessageContaining("names no \"cpu MHz\"");
        assertThatThrownBy(() -> GuestCmdline.forAccelerator("tcg", cpuinfo("cpu MHz\t\t: fast\n")))
                .isInstanceOf(IOException.class).hasMessageContaining("unreadable");
        assertThatThrownBy(() -> GuestCmdline.forAccelerator("tcg", cpuinfo("cpu MHz\t\t: 0.000\n")))
                .isInstanceOf(IOException.class).hasMessageContaining("0 kHz");
    }

    @Test
    void thisHostHasARate() throws IOException {
        assertThat(GuestCmdline.hostTscKhz(Path.of("/proc/cpuinfo"))).isPositive();
    }
}
