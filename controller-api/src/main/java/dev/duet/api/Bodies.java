package dev.duet.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.duet.controller.ControllerException;
import java.time.Duration;
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
            @JsonProperty(value = "timeout_seconds") Double timeoutSeconds) {
        /** The timeout as a duration (60 s if absent); the controller judges its range. */
        Duration timeout() throws ControllerException {
            double seconds = timeoutSeconds == null ? 60 : timeoutSeconds;
            if (!Double.isFinite(seconds) || Math.abs(seconds) > 1e9) {
                throw new ControllerException(ControllerException.Kind.INVALID_REQUEST, "timeout_seconds must be a number of seconds");
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        }
    }
}
