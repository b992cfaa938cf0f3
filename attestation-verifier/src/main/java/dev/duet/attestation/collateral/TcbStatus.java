package dev.duet.attestation.collateral;

import java.util.Optional;

/** A TCB status as Intel's collateral names it, from best to worst. */
public enum TcbStatus {
    UP_TO_DATE("UpToDate"),
    SW_HARDENING_NEEDED("SWHardeningNeeded"),
    CONFIGURATION_NEEDED("ConfigurationNeeded"),
    CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
    OUT_OF_DATE("OutOfDate"),
    OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
    REVOKED("Revoked");

    private final String wire;

    TcbStatus(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<TcbStatus> fromWire(String wire) {
        for (TcbStatus status : values()) {
            if (status.wire.equals(wire)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }

    public TcbStatus worse(TcbStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }

    @Override
    public String toString() {
        return wire;
    }
}
