package dev.duet.provisioner.ssh;

import java.security.PublicKey;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * The one host key an SSH server must present: a full public key, or its OpenSSH SHA-256
 * fingerprint. There is no way to build a pin that accepts any key; duet never trusts on first use.
 */
public final class HostKeyPin {
    private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

    private final Optional<PublicKey> key;
    private final String fingerprint;

    private HostKeyPin(Optional<PublicKey> key, String fingerprint) {
        this.key = key;
        this.fingerprint = fingerprint;
    }

    /** Parses {@code SHA256:<43 base64 chars>} or an OpenSSH public key line. */
    public static HostKeyPin parse(String text) throws SshKeyFormatException {
        String trimmed = text == null ? "" : text.strip();
        if (FINGERPRINT.matcher(trimmed).matches()) {
            return new HostKeyPin(Optional.empty(), trimmed);
        }
        PublicKey key = SshKeys.parsePublicKey(trimmed);
        return new HostKeyPin(Optional.of(key), SshKeys.fingerprint(key));
    }

    public static HostKeyPin of(PublicKey key) {
        return new HostKeyPin(Optional.of(key), SshKeys.fingerprint(key));
    }

    public boolean matches(PublicKey presented) {
        if (presented == null) {
            return false;
        }
        return key.map(k -> KeyUtils.compareKeys(k, presented)).orElseGet(() -> fingerprint.equals(SshKeys.fingerprint(presented)));
    }

    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String toString() {
        return fingerprint;
    }
}
