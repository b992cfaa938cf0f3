package dev.duet.provisioner.azure;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One confidential VM to create: its own resource group (everything the provider creates for the
 * VM is in it, so deleting the group deletes all of it, including the OS disk Azure creates with
 * the VM), where, which TEE and size, the one user and the controller's SSH public key that user
 * accepts, and the only source address the network security group admits to port 22.
 */
public record AzureVmSpec(String resourceGroup, String vmName, String location, Tee tee, String vmSize, String adminUser,
        String sshPublicKey, String sshSource) {
    /** The image every VM boots, as publisher:offer:sku:version (what the log records). */
    public static final String IMAGE = AzureVmBody.IMAGE_PUBLISHER + ":" + AzureVmBody.IMAGE_OFFER + ":" + AzureVmBody.IMAGE_SKU + ":"
            + AzureVmBody.IMAGE_VERSION;
    /** The packages cloud-init installs at first boot (the VM's customData), as the log records them. */
    public static final List<String> GUEST_PACKAGES = AzureVmBody.GUEST_PACKAGES;
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._()-]{1,90}");
    private static final Pattern VM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");
    /** An IPv4 address, optionally with a prefix length: what an NSG rule's source address prefix takes. */
    private static final Pattern SOURCE = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}(/\\d{1,2})?");

    public AzureVmSpec {
        Objects.requireNonNull(tee, "tee");
        require(GROUP.matcher(resourceGroup).matches(), "resource group name");
        require(VM.matcher(vmName).matches(), "VM name");
        require(location.matches("[a-z0-9]{1,40}"), "location");
        require(vmSize.matches("[A-Za-z0-9_]{1,64}"), "VM size");
        require(adminUser.matches("[a-z_][a-z0-9_-]{0,31}"), "admin user");
        require(sshPublicKey.startsWith("ssh-"), "SSH public key");
        // Never "*" or "Internet": the rule admits the controller only.
        require(SOURCE.matcher(sshSource).matches(), "SSH source address (an IPv4 address or prefix)");
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("not a valid " + what);
        }
    }

    /** Where the one authorized key goes (the user's home, which the image's provisioning agent creates). */
    public String authorizedKeysPath() {
        return "/home/" + adminUser + "/.ssh/authorized_keys";
    }
}
