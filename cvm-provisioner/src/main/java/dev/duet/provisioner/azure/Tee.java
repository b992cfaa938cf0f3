package dev.duet.provisioner.azure;

import java.util.Optional;

/**
 * The confidential VM families the Azure provider creates, as the API spells them, each with the
 * size it creates unless the operator names another: AMD SEV-SNP (DCasv5) and Intel TDX (DCesv5).
 * Both boot the same Ubuntu confidential VM image, whose vTPM the paravisor (HCL) backs.
 */
public enum Tee {
    SNP("snp", "Standard_DC2as_v5"),
    TDX("tdx", "Standard_DC2es_v5");

    private final String wire;
    private final String defaultSize;

    Tee(String wire, String defaultSize) {
        this.wire = wire;
        this.defaultSize = defaultSize;
    }

    public String wire() {
        return wire;
    }

    public String defaultSize() {
        return defaultSize;
    }

    public static Optional<Tee> parse(String wire) {
        for (Tee tee : values()) {
            if (tee.wire.equals(wire)) {
                return Optional.of(tee);
            }
        }
        return Optional.empty();
    }
}
