package dev.duet.api;

import dev.duet.controller.ControllerException;
import dev.duet.controller.CreateRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Owner request bodies, read strictly ({@link BodyObject}): unknown, missing or mistyped members are refused. */
final class Bodies {
    private Bodies() {}

    /** A new CVM's body; which members its provider needs is the controller's rule. */
    static CreateRequest create(byte[] body) throws ControllerException {
        BodyObject create = BodyObject.of(body, "provider", "name", "ssh");
        String provider = create.string("provider");
        String name = create.string("name");
        Optional<BodyObject> ssh = create.optionalObject("ssh", "host", "port", "user", "host_key", "bootstrap_private_key",
                "authorized_keys_path");
        return new CreateRequest(provider, name, ssh.isEmpty() ? Optional.empty() : Optional.of(ssh(ssh.get())));
    }

    private static CreateRequest.Ssh ssh(BodyObject ssh) throws ControllerException {
        return new CreateRequest.Ssh(ssh.string("host"), ssh.optionalInt("port"), ssh.string("user"), ssh.string("host_key"),
                ssh.string("bootstrap_private_key"), ssh.optionalString("authorized_keys_path"));
    }

    record Mode(String mode) {
        static Mode read(byte[] body) throws ControllerException {
            return new Mode(BodyObject.of(body, "mode").string("mode"));
        }
    }

    record Command(List<String> argv, Optional<BigDecimal> timeoutSeconds) {
        private static final BigDecimal DEFAULT_TIMEOUT_SECONDS = BigDecimal.valueOf(60);
        private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(1_000_000_000);

        static Command read(byte[] body) throws ControllerException {
            BodyObject command = BodyObject.of(body, "argv", "timeout_seconds");
            return new Command(command.strings("argv"), command.optionalNumber("timeout_seconds"));
        }

        /**
         * The timeout (60 s if absent) as a duration; the controller judges its range. Only a whole
         * number of milliseconds is taken, so the {@code timeout_ms} the log records is exactly the
         * signed value, never a rounding of it.
         */
        Duration timeout() throws ControllerException {
            BigDecimal seconds = timeoutSeconds.orElse(DEFAULT_TIMEOUT_SECONDS);
            if (seconds.abs().compareTo(MAX_SECONDS) > 0) {
                throw Json.invalid("timeout_seconds is out of range");
            }
            BigDecimal millis = seconds.movePointRight(3).stripTrailingZeros();
            if (millis.scale() > 0) {
                throw Json.invalid("timeout_seconds must be a whole number of milliseconds (at most three decimal places),"
                        + " so that the log records exactly what was signed");
            }
            return Duration.ofMillis(millis.longValueExact());
        }
    }
}
