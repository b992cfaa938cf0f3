package dev.duet.provisioner.ssh;

import java.util.Objects;

/** Where an SSH server listens and which account to log in to. */
public record SshEndpoint(String host, int port, String user) {
    public SshEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        if (host.isBlank() || user.isBlank()) {
            throw new IllegalArgumentException("host and user must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535");
        }
    }

    @Override
    public String toString() {
        return address(user, host, port);
    }

    /** {@code user@host:port}, an IPv6 literal in brackets (RFC 3986 §3.2.2) so that its colons cannot be read as the port's. */
    public static String address(String user, String host, int port) {
        return user + "@" + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
