package dev.duet.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The fixed controller keys the golden documents are signed with. Ed25519 signs deterministically,
 * so with these keys the generator writes the same bytes on every run.
 */
final class GoldenKeys {
    static final String DIR = "golden";

    private GoldenKeys() {}

    /** The controller whose documents the verifiers are asked to trust. */
    static Ed25519KeyPair controller() {
        return read("controller-key.pem");
    }

    /** Another controller: its signature on a document is not the trusted one's. */
    static Ed25519KeyPair another() {
        return read("another-controller-key.pem");
    }

    /** The trusted controller's TLS key, as SubjectPublicKeyInfo DER. */
    static byte[] controllerTls() {
        return spki("controller-tls-key.pub.pem");
    }

    /** Another TLS key: a party in the middle's, or another controller's. */
    static byte[] anotherTls() {
        return spki("another-tls-key.pub.pem");
    }

    private static byte[] spki(String name) {
        return java.util.Base64.getMimeDecoder().decode(new String(resource(name), StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", "").strip());
    }

    static byte[] resource(String name) {
        try (InputStream in = GoldenKeys.class.getResourceAsStream("/" + DIR + "/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no golden resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Ed25519KeyPair read(String name) {
        try {
            return Ed25519KeyPair.parsePem(new String(resource(name), StandardCharsets.US_ASCII));
        } catch (KeyFormatException e) {
            throw new IllegalStateException(name, e);
        }
    }
}
