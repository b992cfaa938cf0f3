package dev.duet.controller;

import java.util.Optional;

/**
 * An owner's request to adopt a machine over SSH. The bootstrap key is used once and never stored
 * or logged; {@code toString} leaves it out.
 */
public record AdoptRequest(
        String name, String host, int port, String user, String hostKey, String bootstrapPrivateKey, Optional<String> authorizedKeysPath) {
    @Override
    public String toString() {
        return "AdoptRequest[" + name + " " + user + "@" + host + ":" + port + "]";
    }
}
