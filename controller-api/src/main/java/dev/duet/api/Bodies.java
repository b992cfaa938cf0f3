package dev.duet.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Request bodies, read strictly: unknown fields are refused. */
final class Bodies {
    private Bodies() {}

    record Adopt(
            @JsonProperty(value = "provider", required = true) String provider,
            @JsonProperty(value = "name", required = true) String name,
            @JsonProperty(value = "ssh") Ssh ssh) {}

    record Ssh(
            @JsonProperty(value = "host", required = true) String host,
            @JsonProperty(value = "port") Integer port,
            @JsonProperty(value = "user", required = true) String user,
            @JsonProperty(value = "host_key", required = true) String hostKey,
            @JsonProperty(value = "bootstrap_private_key", required = true) String bootstrapPrivateKey,
            @JsonProperty(value = "authorized_keys_path") String authorizedKeysPath) {
        @Override
        public String toString() {
            return "Ssh[" + user + "@" + host + ":" + port + "]";
        }
    }

    record Mode(@JsonProperty(value = "mode", required = true) String mode) {}

    record Command(
            @JsonProperty(value = "argv", required = true) List<String> argv,
            @JsonProperty(value = "timeout_seconds") Double timeoutSeconds) {}
}
