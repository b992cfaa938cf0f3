package dev.duet.controller;

import dev.duet.attestation.snp.SimulatedLaunch;
import dev.duet.provisioner.attest.ConfigFsTsmSource;
import dev.duet.provisioner.attest.EvidenceSource;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.attest.SimulatedSnpSource;
import dev.duet.provisioner.qemu.GuestImage;
import dev.duet.provisioner.qemu.QemuProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the controller needs to create CVMs itself: the QEMU provider with its guest image, and the
 * evidence source for those guests. On these machines (no SEV-SNP, no TDX) that source is the
 * simulated SNP chip in the data directory, and every entry and state that carries its reports
 * says "simulated".
 */
public record QemuSupport(QemuProvider provider, EvidenceSource evidence) implements AutoCloseable {

    /** Where guests' evidence comes from. */
    public enum Evidence {
        /** Duet's simulated SNP chip, for hosts without SEV-SNP or TDX (these). */
        SIMULATED_SNP,
        /** configfs-tsm inside the guest, for SEV-SNP hosts; a guest without a TEE fails with "no TEE in this guest". */
        CONFIGFS_TSM
    }

    /** With simulated SNP evidence; see {@link #start(Path, Path, Optional, Evidence, Optional)}. */
    public static QemuSupport start(Path dataDirectory, Path imageDirectory, Optional<String> accelerator)
            throws IOException, InterruptedException {
        return start(dataDirectory, imageDirectory, accelerator, Evidence.SIMULATED_SNP, Optional.empty());
    }

    /**
     * Builds or loads the guest image, probes the accelerator and sets up the evidence source: the
     * simulated chip in {@code dataDirectory}, or configfs-tsm with the MEASUREMENT the operator
     * expects (without one, the policy cannot pin the measurement).
     */
    public static QemuSupport start(Path dataDirectory, Path imageDirectory, Optional<String> accelerator, Evidence evidence,
            Optional<byte[]> expectedMeasurement) throws IOException, InterruptedException {
        // Created as DataDirectory would create it, so starting QEMU first never loosens its mode.
        java.nio.file.Files.createDirectories(dataDirectory, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        GuestImage image = GuestImage.ensure(imageDirectory);
        QemuProvider provider = QemuProvider.start(image, dataDirectory.resolve("vms"), accelerator);
        if (evidence == Evidence.CONFIGFS_TSM) {
            return new QemuSupport(provider, new ConfigFsTsmSource(expectedMeasurement));
        }
        byte[] digest = SimulatedLaunch.digest(image.kernelSha384(), image.initrdSha384(), provider.cmdline());
        SimulatedSnp chip = SimulatedSnp.open(dataDirectory.resolve("simulated-snp"));
        return new QemuSupport(provider, new SimulatedSnpSource(chip, digest));
    }

    @Override
    public void close() {
        provider.close();
    }
}
