package dev.duet.provisioner.ssh;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

/**
 * Takes over a machine reachable over SSH (DESIGN §7, provider {@code ssh}): with the owner's
 * bootstrap key, replace the authorized keys file by the controller's key alone; then prove the
 * takeover from outside: the controller's key logs in, the file holds exactly that key, and the
 * bootstrap key is refused. Any deviation is an {@link AdoptionFailure}, never a partial success.
 */
public final class SshAdoption {
    /** Resolves a relative path against $HOME, as sshd's AuthorizedKeysFile does. */
    private static final String RESOLVE = "f=$1; case \"$f\" in /*) ;; *) f=\"$HOME/$f\" ;; esac; ";
    private static final String INSTALL = "set -eu; " + RESOLVE
            + "umask 077; mkdir -p \"$(dirname \"$f\")\"; printf '%s\\n' \"$2\" > \"$f.duet-new\"; mv -f \"$f.duet-new\" \"$f\"; cat \"$f\"";
    private static final String SHOW = "set -eu; " + RESOLVE + "cat \"$f\"";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

    private final SshConnector connector;

    public SshAdoption(SshConnector connector) {
        this.connector = connector;
    }

    /** What was established, for the log. */
    public record Report(String hostKey, String hostKeyFingerprint, String authorizedKeysPath, List<String> checks) {}

    /** The result: the report and a live session under the controller's key, for reuse. */
    public record Adopted(Report report, SshConnection connection) {}

    public Adopted adopt(SshEndpoint endpoint, HostKeyPin pin, KeyPair bootstrap, KeyPair controllerKey, String authorizedKeysPath, String keyComment)
            throws SshFailure, AdoptionFailure {
        String keyLine = SshKeys.authorizedKeyLine(controllerKey.getPublic(), keyComment);
        java.security.PublicKey hostKey;
        try (SshConnection owner = connector.connect(endpoint, pin, bootstrap)) {
            hostKey = owner.hostKey();
            CommandOutcome installed = owner.run(new RemoteCommand(
                    List.of("sh", "-c", INSTALL, "duet-adopt", authorizedKeysPath, keyLine), STEP_TIMEOUT, 1 << 20));
            expectOnlyKey(installed, keyLine, "after installing the controller key");
        }
        SshConnection controller = connector.connect(endpoint, HostKeyPin.of(hostKey), controllerKey);
        boolean adopted = false;
        try {
            CommandOutcome shown = controller.run(new RemoteCommand(
                    List.of("sh", "-c", SHOW, "duet-check", authorizedKeysPath), STEP_TIMEOUT, 1 << 20));
            expectOnlyKey(shown, keyLine, "on a fresh session under the controller key");
            expectRefused(endpoint, pin, bootstrap);
            adopted = true;
        } finally {
            if (!adopted) {
                controller.close();
            }
        }
        Report report = new Report(SshKeys.openSshPublicKey(hostKey), SshKeys.fingerprint(hostKey), authorizedKeysPath, List.of(
                "host key matched the pin " + pin.fingerprint(),
                "authorized keys file holds only the controller key",
                "controller key logs in",
                "bootstrap key is refused"));
        return new Adopted(report, controller);
    }

    private void expectRefused(SshEndpoint endpoint, HostKeyPin pin, KeyPair bootstrap) throws SshFailure, AdoptionFailure {
        try (SshConnection stillOpen = connector.connect(endpoint, pin, bootstrap)) {
            throw new AdoptionFailure("the bootstrap key still logs in after the takeover: another way in remains "
                    + "(check AuthorizedKeysFile and other authorized keys files on " + endpoint + ")");
        } catch (SshFailure expected) {
            if (expected.kind() != SshFailure.Kind.AUTHENTICATION_FAILED) {
                throw expected;
            }
        }
    }

    private static void expectOnlyKey(CommandOutcome outcome, String keyLine, String when) throws AdoptionFailure {
        if (outcome.timedOut() || outcome.exitStatus().orElse(-1) != 0) {
            throw new AdoptionFailure("authorized keys step failed " + when + ": "
                    + new String(outcome.stderr().bytes(), StandardCharsets.UTF_8).strip());
        }
        String content = new String(outcome.stdout().bytes(), StandardCharsets.UTF_8);
        if (!content.equals(keyLine + "\n")) {
            throw new AdoptionFailure("authorized keys file does not hold exactly the controller key " + when);
        }
    }
}
