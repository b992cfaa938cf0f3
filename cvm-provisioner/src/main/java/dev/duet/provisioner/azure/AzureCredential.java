package dev.duet.provisioner.azure;

import java.util.Optional;

/**
 * How the controller signs in to Azure: a service principal's client secret, or the managed
 * identity of the machine it runs on. {@code toString} never shows the secret.
 */
public sealed interface AzureCredential {
    /** A service principal (Entra ID application) with a client secret, which the operator keeps in a file. */
    record ClientSecret(String tenantId, String clientId, String secret) implements AzureCredential {
        @Override
        public String toString() {
            return "ClientSecret[tenant " + tenantId + ", client " + clientId + "]";
        }
    }

    /** The managed identity of the controller's own Azure machine: its system identity, or the user-assigned one named. */
    record ManagedIdentity(Optional<String> clientId) implements AzureCredential {}
}
