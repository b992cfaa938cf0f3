package dev.duet.attestation.collateral;

import dev.duet.attestation.Octets;
import java.util.List;

/** A TDX module identity of a TDX TCB Info ("TDX_01", …): its signer, attributes and levels. */
public record TdxModuleIdentity(String id, Octets mrSigner, Octets attributes, Octets attributesMask,
        List<IdentityLevel> levels) {
    public TdxModuleIdentity {
        levels = List.copyOf(levels);
    }
}
