package dev.duet.protocol;

import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import java.util.List;
import java.util.Optional;

/**
 * What a user learns from checking a controller's evidence document: every check with its outcome
 * ({@link Check}, the vocabulary of every verdict), and, when all of them pass, the key the
 * evidence names and whether hardware vouches for it. A document that verifies proves only that it
 * was made by whoever holds that key: trust in the key is {@link Facts#attestation}.
 */
public record EvidenceVerdict(List<Check> checks, Optional<Facts> facts) {
    public EvidenceVerdict {
        checks = List.copyOf(checks);
    }

    /**
     * The controller's signing key, the TEE it says it runs in, the hardware verdict on that key,
     * and the TLS key (SubjectPublicKeyInfo DER) the evidence names and binds with it, if any: the
     * key an HTTPS connection to this controller must present (attested transport).
     */
    public record Facts(Ed25519PublicKey key, TeeKind tee, ControllerEvidenceVerdict attestation, Optional<Octets> tlsKey) {}

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }
}
