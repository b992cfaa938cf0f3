package dev.duet.controller;

import dev.duet.attestation.snp.AmdTrust;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureCredential;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;
import dev.duet.provisioner.azure.VtpmCollector;
import java.util.List;

/**
 * What the controller needs to create Azure confidential VMs: Resource Manager for one subscription
 * ({@link AzureCloud}), the region VMs go to, the one address their network security groups
 * admit to SSH (the controller's own, as Azure sees it), and how it reaches and attests a new VM
 * ({@link Guest}).
 */
public record AzureSupport(AzureCloud cloud, String location, String sshSource, Guest guest) {
    public AzureSupport {
        // Checked as every VM's will be, so that an operator's mistake stops the controller instead of every create.
        new AzureVmSpec("duet-check", "check", location, Tee.SNP, Tee.SNP.defaultSize(), guest.user(), "ssh-ed25519 check", sshSource);
    }

    /** Azure's defaults for reaching and attesting the VM ({@link Guest#azure()}). */
    public AzureSupport(AzureCloud cloud, String location, String sshSource) {
        this(cloud, location, sshSource, Guest.azure());
    }

    /**
     * How the controller reaches a new VM and whose roots its evidence must chain to: SSH on
     * {@code sshPort} as {@code user} (the VM's admin user), {@code awaitSetup} run first (on Azure,
     * {@code cloud-init status --wait}: cloud-init installs tpm2-tools after sshd is up; nothing when
     * empty), the vTPM evidence read with {@code collector}, and the HCL report's SNP chain checked under {@code amd}. {@code simulated}
     * says that {@code amd} is duet's SIMULATED SNP root, which a test (or a controller told so in
     * code, never by default) trusts explicitly: the log then labels the evidence as simulated.
     */
    public record Guest(int sshPort, String user, List<String> awaitSetup, VtpmCollector.Options collector, AmdTrust amd,
            boolean simulated) {
        public Guest {
            awaitSetup = List.copyOf(awaitSetup);
            if (sshPort < 1 || sshPort > 65535) {
                throw new IllegalArgumentException("not a TCP port: " + sshPort);
            }
            // The log's "simulated" must say what the roots are: evidence under other roots is never logged as real.
            if (simulated == amd.equals(AmdTrust.amd())) {
                throw new IllegalArgumentException(simulated ? "simulated evidence is trusted under roots other than AMD's"
                        : "evidence not labelled simulated is trusted under AMD's pinned roots only");
            }
        }

        /** Port 22, the admin user {@code duet}, waiting for cloud-init, the collector's Azure options, AMD's pinned roots. */
        public static Guest azure() {
            return new Guest(22, AzureProvider.ADMIN, List.of("cloud-init", "status", "--wait"), VtpmCollector.Options.azure(), AmdTrust.amd(),
                    false);
        }
    }

    /** Signs in to the public Azure cloud with {@code credential} for {@code subscription}. */
    public static AzureSupport connect(String subscription, String location, String sshSource, AzureCredential credential) {
        return new AzureSupport(AzureCloud.connect(subscription, credential), location, sshSource);
    }
}
