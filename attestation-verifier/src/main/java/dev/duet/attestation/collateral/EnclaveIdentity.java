package dev.duet.attestation.collateral;

import dev.duet.attestation.Octets;
import java.time.Instant;
import java.util.List;

/** Intel's signed identity of a quoting enclave ("QE" for SGX, "TD_QE" for TDX). */
public record EnclaveIdentity(String id, int version, Instant issueDate, Instant nextUpdate,
        int tcbEvaluationDataNumber, Octets miscSelect, Octets miscSelectMask, Octets attributes,
        Octets attributesMask, Octets mrSigner, int isvProdId, List<IdentityLevel> levels, Octets signedBytes,
        Octets signature) {
    public EnclaveIdentity {
        levels = List.copyOf(levels);
    }
}
