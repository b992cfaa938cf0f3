package dev.duet.provisioner.azure;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.BootDiagnostics;
import com.azure.resourcemanager.compute.models.DeleteOptions;
import com.azure.resourcemanager.compute.models.DiagnosticsProfile;
import com.azure.resourcemanager.compute.models.DiskCreateOptionTypes;
import com.azure.resourcemanager.compute.models.DiskDeleteOptionTypes;
import com.azure.resourcemanager.compute.models.HardwareProfile;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.LinuxConfiguration;
import com.azure.resourcemanager.compute.models.ManagedDiskParameters;
import com.azure.resourcemanager.compute.models.NetworkInterfaceReference;
import com.azure.resourcemanager.compute.models.NetworkProfile;
import com.azure.resourcemanager.compute.models.OSDisk;
import com.azure.resourcemanager.compute.models.OSProfile;
import com.azure.resourcemanager.compute.models.SecurityEncryptionTypes;
import com.azure.resourcemanager.compute.models.SecurityProfile;
import com.azure.resourcemanager.compute.models.SecurityTypes;
import com.azure.resourcemanager.compute.models.SshConfiguration;
import com.azure.resourcemanager.compute.models.SshPublicKey;
import com.azure.resourcemanager.compute.models.StorageAccountTypes;
import com.azure.resourcemanager.compute.models.StorageProfile;
import com.azure.resourcemanager.compute.models.UefiSettings;
import com.azure.resourcemanager.compute.models.VMDiskSecurityProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineSizeTypes;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.PublicIpAddressInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.models.AddressSpace;
import com.azure.resourcemanager.network.models.IpAllocationMethod;
import com.azure.resourcemanager.network.models.PublicIpAddressSku;
import com.azure.resourcemanager.network.models.PublicIpAddressSkuName;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The bodies of the resources one confidential VM needs, each the narrowest that works: an NSG
 * whose one rule admits TCP 22 from the controller's address (Azure's default rules deny the rest
 * of the Internet), a private network, a static public address, and a VM with the confidential
 * security type (memory encrypted by SNP or TDX, guest state in the vTPM's encrypted blob, Secure
 * Boot and vTPM on), the controller's key as the only login, no password, no extensions, no boot
 * diagnostics: the paths {@link BypassPaths} refuses are closed from the start.
 */
final class AzureVmBody {
    static final String NSG = "duet-nsg";
    static final String VNET = "duet-vnet";
    static final String SUBNET = "duet-subnet";
    static final String PUBLIC_IP = "duet-ip";
    static final String NIC = "duet-nic";
    /** Canonical's Ubuntu 22.04 confidential VM image, which both DCasv5 (SNP) and DCesv5 (TDX) boot. */
    static final String IMAGE_PUBLISHER = "Canonical";
    static final String IMAGE_OFFER = "0001-com-ubuntu-confidential-vm-jammy";
    static final String IMAGE_SKU = "22_04-lts-cvm";
    static final String IMAGE_VERSION = "latest";
    /**
     * What cloud-init installs at first boot, from Ubuntu's archive (apt checks its signatures): the
     * vTPM evidence is read with tpm2-tools ({@link VtpmCollector}), and the image's contents have not
     * been checked from here. The tools' output is verified, never trusted, so fetching them adds no
     * one to trust for the evidence. The launch entry logs these names.
     */
    static final List<String> GUEST_PACKAGES = List.of("tpm2-tools");

    /** The VM's customData: a cloud-config that installs {@link #GUEST_PACKAGES} and nothing else. */
    static String cloudConfig() {
        StringBuilder config = new StringBuilder("#cloud-config\npackages:\n");
        GUEST_PACKAGES.forEach(name -> config.append("  - ").append(name).append('\n'));
        return config.toString();
    }

    private final AzureVmSpec spec;

    AzureVmBody(AzureVmSpec spec) {
        this.spec = spec;
    }

    NetworkSecurityGroupInner securityGroup() {
        SecurityRuleInner ssh = new SecurityRuleInner().withName("ssh-from-controller").withProtocol(SecurityRuleProtocol.TCP)
                .withSourceAddressPrefix(spec.sshSource()).withSourcePortRange("*").withDestinationAddressPrefix("*")
                .withDestinationPortRange("22").withAccess(SecurityRuleAccess.ALLOW).withPriority(100)
                .withDirection(SecurityRuleDirection.INBOUND);
        NetworkSecurityGroupInner nsg = new NetworkSecurityGroupInner().withSecurityRules(List.of(ssh));
        nsg.withLocation(spec.location());
        return nsg;
    }

    /** A network of its own (addresses private to this VM's network in Azure), its one subnet behind the NSG. */
    VirtualNetworkInner virtualNetwork(String nsgId) {
        VirtualNetworkInner vnet = new VirtualNetworkInner()
                .withAddressSpace(new AddressSpace().withAddressPrefixes(List.of("10.0.0.0/24")))
                .withSubnets(List.of(new SubnetInner().withName(SUBNET).withAddressPrefix("10.0.0.0/24")
                        .withNetworkSecurityGroup(new NetworkSecurityGroupInner().withId(nsgId))));
        vnet.withLocation(spec.location());
        return vnet;
    }

    PublicIpAddressInner publicIp() {
        PublicIpAddressInner ip = new PublicIpAddressInner().withSku(new PublicIpAddressSku().withName(PublicIpAddressSkuName.STANDARD))
                .withPublicIpAllocationMethod(IpAllocationMethod.STATIC);
        ip.withLocation(spec.location());
        return ip;
    }

    NetworkInterfaceInner networkInterface(String subnetId, String publicIpId, String nsgId) {
        NetworkInterfaceInner nic = new NetworkInterfaceInner().withNetworkSecurityGroup(new NetworkSecurityGroupInner().withId(nsgId))
                .withIpConfigurations(List.of(new NetworkInterfaceIpConfigurationInner().withName("primary").withPrimary(true)
                        .withPrivateIpAllocationMethod(IpAllocationMethod.DYNAMIC).withSubnet(new SubnetInner().withId(subnetId))
                        .withPublicIpAddress(new PublicIpAddressInner().withId(publicIpId))));
        nic.withLocation(spec.location());
        return nic;
    }

    VirtualMachineInner virtualMachine(String nicId) {
        OSDisk osDisk = new OSDisk().withCreateOption(DiskCreateOptionTypes.FROM_IMAGE).withDeleteOption(DiskDeleteOptionTypes.DELETE)
                .withManagedDisk(new ManagedDiskParameters().withStorageAccountType(StorageAccountTypes.STANDARD_SSD_LRS)
                        .withSecurityProfile(new VMDiskSecurityProfile().withSecurityEncryptionType(SecurityEncryptionTypes.VMGUEST_STATE_ONLY)));
        OSProfile os = new OSProfile().withComputerName(spec.vmName()).withAdminUsername(spec.adminUser())
                .withCustomData(Base64.getEncoder().encodeToString(cloudConfig().getBytes(StandardCharsets.UTF_8)))
                .withAllowExtensionOperations(false)
                .withLinuxConfiguration(new LinuxConfiguration().withDisablePasswordAuthentication(true)
                        .withSsh(new SshConfiguration().withPublicKeys(List.of(new SshPublicKey().withPath(spec.authorizedKeysPath())
                                .withKeyData(spec.sshPublicKey())))));
        VirtualMachineInner vm = new VirtualMachineInner()
                .withHardwareProfile(new HardwareProfile().withVmSize(VirtualMachineSizeTypes.fromString(spec.vmSize())))
                .withStorageProfile(new StorageProfile().withImageReference(new ImageReference().withPublisher(IMAGE_PUBLISHER)
                        .withOffer(IMAGE_OFFER).withSku(IMAGE_SKU).withVersion(IMAGE_VERSION)).withOsDisk(osDisk))
                .withOsProfile(os)
                .withNetworkProfile(new NetworkProfile().withNetworkInterfaces(List.of(new NetworkInterfaceReference().withId(nicId)
                        .withPrimary(true).withDeleteOption(DeleteOptions.DELETE))))
                .withSecurityProfile(new SecurityProfile().withSecurityType(SecurityTypes.CONFIDENTIAL_VM)
                        .withUefiSettings(new UefiSettings().withSecureBootEnabled(true).withVTpmEnabled(true)))
                .withDiagnosticsProfile(new DiagnosticsProfile().withBootDiagnostics(new BootDiagnostics().withEnabled(false)));
        vm.withLocation(spec.location());
        return vm;
    }
}
