package dev.duet.attestation;

import java.util.List;

/**
 * Whether a controller's signing key is vouched for by hardware, with the reason either way and the
 * checks that decided it (empty when there was no report to check).
 */
public sealed interface ControllerEvidenceVerdict {
    TeeKind tee();

    String reason();

    List<Check> checks();

    /**
     * Hardware evidence binds the key. {@code simulated}: the report chains only to duet's simulated
     * root, which the user chose to trust; it proves nothing about hardware, and every output says so.
     */
    record Attested(TeeKind tee, boolean simulated, List<Check> checks, String reason) implements ControllerEvidenceVerdict {
        public Attested {
            checks = List.copyOf(checks);
        }
    }

    /** Nothing vouches for the key; the caller must refuse unless the user explicitly accepts that. */
    record NotAttested(TeeKind tee, List<Check> checks, String reason) implements ControllerEvidenceVerdict {
        public NotAttested {
            checks = List.copyOf(checks);
        }
    }
}
