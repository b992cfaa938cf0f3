package dev.duet.provisioner.qemu;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel command line a plain guest boots with: {@link GuestImage#CMDLINE}, plus the host's TSC
 * rate under TCG. A plain guest runs on QEMU's {@code microvm} machine, which has no HPET and no ACPI
 * PM timer, so the kernel can calibrate its TSC only against the PIT; under TCG on a busy host that
 * fails and the kernel hangs after "Marking TSC unstable" (measured here: 1 boot of 4 under two
 * {@code yes} loads, 4 of 4 with the rate given). Under TCG the guest reads the host's TSC, so the
 * host's rate is the right one. Under KVM the guest has kvmclock and needs none. The line is recorded
 * and measured as it is, rate included.
 */
public final class GuestCmdline {
    private GuestCmdline() {}

    /** The command line for a guest under {@code accelerator} ("kvm" or "tcg") on this host. */
    public static String forAccelerator(String accelerator, Path cpuinfo) throws IOException {
        return accelerator.equals("tcg") ? GuestImage.CMDLINE + " tsc_early_khz=" + hostTscKhz(cpuinfo) : GuestImage.CMDLINE;
    }

    /**
     * The first CPU's rate as the host kernel reports it in {@code cpuinfo} ("cpu MHz"). On a host
     * that scales its frequency this is the current rate, not the TSC's; the guest's clock then runs
     * off by the difference, which changes how long its sleeps last, not what it trusts.
     */
    static long hostTscKhz(Path cpuinfo) throws IOException {
        String line = Files.readAllLines(cpuinfo, StandardCharsets.US_ASCII).stream().filter(l -> l.startsWith("cpu MHz"))
                .findFirst().orElseThrow(() -> new IOException(cpuinfo + " names no \"cpu MHz\": the guest's TSC rate is unknown"));
        try {
            long khz = new BigDecimal(line.substring(line.indexOf(':') + 1).strip()).movePointRight(3).longValue();
            if (khz <= 0) {
                throw new IOException(cpuinfo + " gives a CPU rate of " + khz + " kHz");
            }
            return khz;
        } catch (NumberFormatException e) {
            throw new IOException(cpuinfo + " has an unreadable \"cpu MHz\" line: " + line, e);
        }
    }
}
