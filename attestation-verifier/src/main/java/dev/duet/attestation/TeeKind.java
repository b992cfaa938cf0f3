package dev.duet.attestation;

import java.util.Optional;

/** Where a controller or CVM runs, as named in evidence documents. */
public enum TeeKind {
    NONE("none"),
    SGX("sgx"),
    TDX("tdx"),
    SEV_SNP("sev-snp");

    private final String wire;

    TeeKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<TeeKind> parse(String wire) {
        for (TeeKind kind : values()) {
            if (kind.wire.equals(wire)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
