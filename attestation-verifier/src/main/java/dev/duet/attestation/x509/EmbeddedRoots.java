package dev.duet.attestation.x509;

import dev.duet.attestation.MalformedEvidenceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;

/** The vendor certificates shipped inside this module (provenance in roots/PROVENANCE.md). */
public final class EmbeddedRoots {
    private EmbeddedRoots() {}

    /** A certificate from the module's resources; a missing or broken one is a build error, not bad input. */
    public static X509Certificate load(String file) {
        try (InputStream in = EmbeddedRoots.class.getResourceAsStream("/dev/duet/attestation/roots/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing embedded root " + file);
            }
            return Certificates.parse(in.readAllBytes(), file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MalformedEvidenceException e) {
            throw new IllegalStateException("embedded root " + file + " is broken", e);
        }
    }
}
