package dev.duet.controller;

import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureCredential;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;

/**
 * What the controller needs to create Azure confidential VMs: Resource Manager for one subscription
 * ({@link AzureCloud}), the region VMs go to, and the one address their network security groups
 * admit to SSH: the controller's own, as Azure sees it.
 */
public record AzureSupport(AzureCloud cloud, String location, String sshSource) {
    public AzureSupport {
        // Checked as every VM's will be, so that an operator's mistake stops the controller instead of every create.
        new AzureVmSpec("duet-check", "check", location, Tee.SNP, Tee.SNP.defaultSize(), "duet", "ssh-ed25519 check", sshSource);
    }

    /** Signs in to the public Azure cloud with {@code credential} for {@code subscription}. */
    public static AzureSupport connect(String subscription, String location, String sshSource, AzureCredential credential) {
        return new AzureSupport(AzureCloud.connect(subscription, credential), location, sshSource);
    }
}
