package dev.duet.api;

import dev.duet.controller.AzureSupport;
import dev.duet.provisioner.azure.AzureCredential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code azure} provider's settings for {@code serve} (flags, {@code DUET_AZURE_…} variables or
 * the configuration file, like every other setting): without a subscription there is no Azure
 * provider. The credential is a service principal whose client secret is read from a file (never
 * a flag, which {@code ps} would show) or the managed identity of the machine the controller runs on.
 */
final class AzureOptions {
    @Option(names = "--azure-subscription", description = "Azure subscription id: enables the azure provider.")
    String subscription;

    @Option(names = "--azure-location", description = "With --azure-subscription: the Azure region CVMs are created in (e.g. westeurope).")
    String location;

    @Option(names = "--azure-ssh-source", description = "With --azure-subscription: the controller's public IPv4 address as Azure sees "
            + "it; each CVM's network security group admits SSH from this address only.")
    String sshSource;

    @Option(names = "--azure-tenant", description = "With --azure-client-secret-file: the Entra ID tenant of the service principal.")
    String tenant;

    @Option(names = "--azure-client-id", description = "The service principal's client id, or with the managed identity a "
            + "user-assigned identity's client id.")
    String clientId;

    @Option(names = "--azure-client-secret-file", description = "A file holding the service principal's client secret. Without it, "
            + "the managed identity of this machine signs in.")
    Path clientSecretFile;

    /**
     * The Azure provider these settings ask for, signed in, Intel's collateral for TDX VMs cached under
     * {@code dataDir}; empty without a subscription. Refuses settings that do not go together.
     */
    Optional<AzureSupport> support(Path dataDir) throws IOException {
        if (subscription == null) {
            if (location != null || sshSource != null || tenant != null || clientId != null || clientSecretFile != null) {
                throw new IllegalArgumentException("the --azure-… settings apply only with --azure-subscription");
            }
            return Optional.empty();
        }
        if (location == null || sshSource == null) {
            throw new IllegalArgumentException("--azure-subscription needs --azure-location and --azure-ssh-source");
        }
        AzureCredential credential;
        if (clientSecretFile != null) {
            if (tenant == null || clientId == null) {
                throw new IllegalArgumentException("--azure-client-secret-file needs --azure-tenant and --azure-client-id");
            }
            credential = new AzureCredential.ClientSecret(tenant, clientId, Files.readString(clientSecretFile).strip());
        } else {
            if (tenant != null) {
                throw new IllegalArgumentException("--azure-tenant applies only with --azure-client-secret-file");
            }
            credential = new AzureCredential.ManagedIdentity(Optional.ofNullable(clientId));
        }
        try {
            AzureSupport support = AzureSupport.connect(subscription, location, sshSource, credential, dataDir.resolve("intel-collateral"));
            System.out.println("Azure provider: subscription " + subscription + ", region " + location + ", SSH admitted from " + sshSource
                    + " only, signing in with " + credential + "; Azure CVMs are adopted only once their vTPM evidence "
                    + "verifies under AMD's or Intel's roots (docs/providers.md)");
            return Optional.of(support);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--azure-location or --azure-ssh-source: " + e.getMessage());
        }
    }
}
