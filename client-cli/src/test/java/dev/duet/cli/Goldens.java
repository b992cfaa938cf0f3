package dev.duet.cli;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.KeyFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden documents of {@code controller-protocol} (its test jar, {@code golden/README.md}), as
 * files a user holds: the CLI gets the same bytes the verifiers' own tests pin.
 */
final class Goldens {
    private Goldens() {}

    /** The golden named {@code name}, copied into {@code dir}. */
    static Path file(Path dir, String name) {
        try {
            return Files.write(dir.resolve(name), bytes(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The public key of the controller the goldens trust, as the PEM file {@code --controller-key} takes. */
    static Path controllerKey(Path dir) {
        try {
            String pem = Ed25519KeyPair.parsePem(new String(bytes("controller-key.pem"), StandardCharsets.US_ASCII)).publicKey().toPem();
            return Files.writeString(dir.resolve("controller.pub"), pem);
        } catch (KeyFormatException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String name) {
        try (InputStream in = Goldens.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no golden " + name + " on the test class path (controller-protocol's test jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
