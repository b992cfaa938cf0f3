package dev.duet.provisioner.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The qemu-system-x86_64 argument list for one guest. User-mode networking is restricted
 * ({@code restrict=on}: the guest reaches nothing) with one forward from a loopback port to the
 * guest's SSH; the keys arrive through fw_cfg; the serial console goes to a file the provider
 * watches for the ready marker. Never daemonized: the provider owns the process.
 *
 * <p>A plain guest runs on the {@code microvm} machine: no PCI bus to enumerate, no SeaBIOS (its
 * qboot firmware only jumps to the PVH entry) and small ACPI tables: less for TCG to emulate before
 * the guest is ready (docs/performance.md, issue 15). Its PIT, PIC and RTC stay on: without them the
 * kernel does not boot. SEV-SNP and TDX guests need q35 and OVMF.
 */
public record QemuCommandLine(String binary, String name, String accelerator, int memoryMiB, int vcpus, int sshPort,
        Path serialLog, GuestImage image, String cmdline, Map<String, Path> fwCfg, Confidential confidential,
        Optional<Path> firmware) {

    public QemuCommandLine {
        fwCfg = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(fwCfg));
    }

    public List<String> arguments() {
        List<String> args = new ArrayList<>(List.of(binary, "-name", name, "-accel", accelerator,
                "-cpu", accelerator.equals("kvm") ? "host" : "max", "-m", memoryMiB + "M", "-smp", String.valueOf(vcpus),
                "-nodefaults", "-no-user-config", "-nographic", "-display", "none", "-monitor", "none", "-no-reboot",
                "-serial", "file:" + serialLog,
                // Loopback only: QEMU then shows the controller to the guest as its gateway, on the guest's subnet,
                // which the guest's /init relies on when it sets no default route.
                "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:" + sshPort + "-:22",
                "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", cmdline));
        switch (confidential) {
            case NONE -> args.addAll(List.of("-M", "microvm,pit=on,pic=on,rtc=on", "-device", "virtio-net-device,netdev=n0"));
            case SEV_SNP -> args.addAll(List.of(
                    "-M", "q35,confidential-guest-support=cvm0,memory-backend=ram0",
                    "-object", "memory-backend-memfd,id=ram0,size=" + memoryMiB + "M,share=true,prealloc=false",
                    "-object", "sev-snp-guest,id=cvm0,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on",
                    "-bios", firmware.orElseThrow(() -> new IllegalStateException("SEV-SNP needs OVMF")).toString(),
                    "-device", "virtio-net-pci,netdev=n0,romfile=,disable-legacy=on,iommu_platform=true"));
            case TDX -> args.addAll(List.of(
                    "-M", "q35,kernel-irqchip=split,confidential-guest-support=cvm0,memory-backend=ram0",
                    "-object", "memory-backend-memfd,id=ram0,size=" + memoryMiB + "M,share=true,prealloc=false",
                    "-object", "tdx-guest,id=cvm0",
                    "-bios", firmware.orElseThrow(() -> new IllegalStateException("TDX needs OVMF")).toString(),
                    "-device", "virtio-net-pci,netdev=n0,romfile=,disable-legacy=on,iommu_platform=true"));
        }
        fwCfg.forEach((key, file) -> args.addAll(List.of("-fw_cfg", "name=opt/duet/" + key + ",file=" + file)));
        return List.copyOf(args);
    }
}
