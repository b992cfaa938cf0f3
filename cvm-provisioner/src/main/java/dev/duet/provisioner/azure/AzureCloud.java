package dev.duet.provisioner.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineExtensionInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineExtensionsListResultInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.network.NetworkManager;
import com.azure.resourcemanager.resources.ResourceManager;
import com.azure.resourcemanager.resources.fluent.models.GenericResourceExpandedInner;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;

/**
 * The Azure Resource Manager calls the provider makes, through the Azure SDK over the JDK's HTTP
 * client: create a confidential VM with its network in a resource group of its own
 * ({@link AzureVmBody}), read a VM's bypass paths ({@link BypassPaths}), delete a group and say what
 * was in it. Each call that fails ends in an {@link AzureFailure} naming the step and Azure's error,
 * with every credential struck out. The SDK retries throttled calls (429) after their Retry-After.
 */
public final class AzureCloud {
    private final ResourceManager resources;
    private final ComputeManager compute;
    private final NetworkManager network;
    private final Redaction redaction;

    private AzureCloud(ResourceManager resources, ComputeManager compute, NetworkManager network, Redaction redaction) {
        this.resources = resources;
        this.compute = compute;
        this.network = network;
        this.redaction = redaction;
    }

    /** The public Azure cloud, signed in with {@code credential}, for {@code subscription}. */
    public static AzureCloud connect(String subscription, AzureCredential credential) {
        HttpClient http = new JdkHttpClientBuilder().build();
        Redaction redaction = new Redaction();
        TokenCredential identity;
        if (credential instanceof AzureCredential.ClientSecret s) {
            redaction.add(s.secret());
            identity = new ClientSecretCredentialBuilder().tenantId(s.tenantId()).clientId(s.clientId()).clientSecret(s.secret())
                    .httpClient(http).build();
        } else {
            ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder().httpClient(http);
            ((AzureCredential.ManagedIdentity) credential).clientId().ifPresent(builder::clientId);
            identity = builder.build();
        }
        return connect(subscription, AzureEnvironment.AZURE, identity, http, redaction);
    }

    /**
     * Any Azure environment (its Resource Manager endpoint), with a credential already built: the
     * tests' loopback stand-in of Resource Manager is one, with a fixed token.
     */
    public static AzureCloud connect(String subscription, AzureEnvironment environment, TokenCredential credential, HttpClient http) {
        return connect(subscription, environment, credential, http, new Redaction());
    }

    private static AzureCloud connect(String subscription, AzureEnvironment environment, TokenCredential credential, HttpClient http,
            Redaction redaction) {
        TokenCredential recording = new TokenCredential() {
            @Override
            public Mono<AccessToken> getToken(TokenRequestContext request) {
                // Recorded before anyone can quote it in an error.
                return credential.getToken(request).doOnNext(token -> redaction.add(token.getToken()));
            }
        };
        AzureProfile profile = new AzureProfile(null, subscription, environment);
        return new AzureCloud(ResourceManager.configure().withHttpClient(http).authenticate(recording, profile).withSubscription(subscription),
                ComputeManager.configure().withHttpClient(http).authenticate(recording, profile),
                NetworkManager.configure().withHttpClient(http).authenticate(recording, profile), redaction);
    }

    /** Creates the VM of {@code spec} with its network; what was created is in the resource group, whatever fails. */
    public Created create(AzureVmSpec spec) throws AzureFailure {
        String group = spec.resourceGroup();
        call("create resource group " + group, () -> resources.serviceClient().getResourceGroups().createOrUpdate(group,
                new ResourceGroupInner().withLocation(spec.location()).withTags(Map.of("duet-cvm", spec.vmName()))));
        AzureVmBody body = new AzureVmBody(spec);
        String nsgStep = "create network security group";
        String nsg = need(nsgStep, "its id", call(nsgStep, () -> network.serviceClient().getNetworkSecurityGroups()
                .createOrUpdate(group, AzureVmBody.NSG, body.securityGroup())).id());
        String vnetStep = "create virtual network";
        var vnet = call(vnetStep, () -> network.serviceClient().getVirtualNetworks()
                .createOrUpdate(group, AzureVmBody.VNET, body.virtualNetwork(nsg)));
        String subnet = need(vnetStep, "its subnet", vnet.subnets() == null || vnet.subnets().isEmpty() || vnet.subnets().get(0) == null
                ? null : vnet.subnets().get(0).id());
        String ipStep = "create public IP address";
        String ip = need(ipStep, "its id", call(ipStep, () -> network.serviceClient().getPublicIpAddresses()
                .createOrUpdate(group, AzureVmBody.PUBLIC_IP, body.publicIp())).id());
        String nicStep = "create network interface";
        String nic = need(nicStep, "its id", call(nicStep, () -> network.serviceClient().getNetworkInterfaces()
                .createOrUpdate(group, AzureVmBody.NIC, body.networkInterface(subnet, ip, nsg))).id());
        String vmStep = "create confidential VM " + spec.vmName();
        VirtualMachineInner vm = call(vmStep, () -> compute.serviceClient().getVirtualMachines()
                .createOrUpdate(group, spec.vmName(), body.virtualMachine(nic)));
        String vmId = need(vmStep, "its id", vm.id());
        String uniqueId = need(vmStep, "its vmId", vm.vmId());
        String address = call("read public IP address", () -> network.serviceClient().getPublicIpAddresses()
                .getByResourceGroup(group, AzureVmBody.PUBLIC_IP)).ipAddress();
        return new Created(group, vmId, uniqueId, Optional.ofNullable(address));
    }

    /**
     * What {@link #create} made: the group, the VM's resource id, the VM's unique id (ARM's
     * {@code properties.vmId}, which the HCL names as {@code vmUniqueId} in its runtime claims), and
     * its public address once Azure has assigned one.
     */
    public record Created(String resourceGroup, String vmId, String uniqueId, Optional<String> publicAddress) {}

    /** The bypass paths ARM shows for the VM now: its settings, its extensions, its managed Run Commands. */
    public List<String> bypassPaths(String resourceGroup, String vmName) throws AzureFailure {
        var vms = compute.serviceClient();
        VirtualMachineInner vm = call("read VM " + vmName, () -> vms.getVirtualMachines().getByResourceGroup(resourceGroup, vmName));
        VirtualMachineExtensionsListResultInner listed = call("list the VM's extensions", () -> vms.getVirtualMachineExtensions()
                .list(resourceGroup, vmName));
        List<VirtualMachineExtensionInner> extensions = described("list the VM's extensions",
                listed.value() == null ? List.<VirtualMachineExtensionInner>of() : listed.value());
        var commands = call("list the VM's run commands", () -> vms.getVirtualMachineRunCommands()
                .listByVirtualMachine(resourceGroup, vmName).stream().toList());
        return BypassPaths.of(vm, extensions, commands);
    }

    /**
     * Deletes the resource group and everything in it; answers the ids of the resources it held
     * (none if the group is already gone), read just before the delete.
     */
    public List<String> delete(String resourceGroup) throws AzureFailure {
        List<String> held;
        try {
            held = call("list resource group " + resourceGroup, () -> resources.serviceClient().getResources()
                    .listByResourceGroup(resourceGroup).stream().filter(Objects::nonNull).map(GenericResourceExpandedInner::id)
                    .filter(Objects::nonNull).toList());
        } catch (AzureFailure e) {
            if (groupGone(resourceGroup)) {
                return List.of();
            }
            throw e;
        }
        call("delete resource group " + resourceGroup, () -> {
            resources.serviceClient().getResourceGroups().delete(resourceGroup);
            return Boolean.TRUE;
        });
        return held;
    }

    private boolean groupGone(String resourceGroup) throws AzureFailure {
        return !call("check resource group " + resourceGroup, () -> resources.serviceClient().getResourceGroups()
                .checkExistence(resourceGroup));
    }

    /**
     * Runs one ARM call; its failure becomes the step and Azure's own error, credentials struck out.
     * An answer the SDK could not read (cut short, or not the JSON Azure documents) is a failure
     * too, whether the SDK throws or gives nothing: never an exception in the SDK's or the parser's
     * words.
     */
    private <T> T call(String step, Supplier<T> work) throws AzureFailure {
        T result;
        try {
            result = work.get();
        } catch (ManagementException e) {
            String error = e.getValue() == null ? e.getMessage()
                    : e.getValue().getCode() + ": " + e.getValue().getMessage();
            throw new AzureFailure(redaction.apply(step + " failed: Azure answered " + status(e) + error));
        } catch (ClientAuthenticationException e) {
            throw new AzureFailure(redaction.apply(step + " failed: signing in to Azure failed: " + e.getMessage()));
        } catch (HttpResponseException e) {
            throw new AzureFailure(step + " failed: Azure answered " + status(e) + "with a body that is not what Azure documents");
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof IOException io) {
                    throw new AzureFailure(redaction.apply(step + " failed: the connection to Azure broke off (" + io.getMessage() + ")"));
                }
            }
            throw new AzureFailure(redaction.apply(step + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        if (result == null) {
            throw new AzureFailure(step + " failed: Azure's answer held nothing readable (cut short, or not what Azure documents)");
        }
        if (result instanceof Collection<?> items) {
            described(step, items);
        }
        return result;
    }

    /** {@code items}, each of which Azure described: a list with a hole in it is no answer to judge by. */
    private static <C extends Collection<?>> C described(String step, C items) throws AzureFailure {
        if (items.stream().anyMatch(Objects::isNull)) {
            throw new AzureFailure(step + " failed: Azure's answer lists an item it does not describe (null)");
        }
        return items;
    }

    /** What a step's answer must hold for the next step: Azure gave the resource but not this part of it. */
    private static String need(String step, String what, String value) throws AzureFailure {
        if (value == null || value.isBlank()) {
            throw new AzureFailure(step + " failed: Azure's answer lacks " + what);
        }
        return value;
    }

    private static String status(HttpResponseException e) {
        return e.getResponse() == null ? "" : "HTTP " + e.getResponse().getStatusCode() + " ";
    }
}
