package dev.duet.provisioner.azure;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The credentials the Azure client has seen (the client secret, every access token issued), struck
 * out of any text before it becomes a failure's reason or a log line: an error message from Azure
 * or from the identity library that quoted one would otherwise carry it into the log, which
 * everyone may read.
 */
final class Redaction {
    private static final int SHORTEST = 8;
    private final Set<String> secrets = ConcurrentHashMap.newKeySet();

    void add(String secret) {
        // Shorter strings would strike ordinary words; no real secret or token is that short.
        if (secret != null && secret.length() >= SHORTEST) {
            secrets.add(secret);
        }
    }

    String apply(String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, "[redacted]");
        }
        return out;
    }
}
