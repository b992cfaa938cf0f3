package dev.duet.attestation.snp;

import java.util.Optional;

/**
 * AMD EPYC product lines that sign SNP reports. The line decides the root keys and how a
 * TCB_VERSION is laid out (Turin moved the fields and added FMC).
 */
public enum SnpProduct {
    MILAN("Milan"),
    GENOA("Genoa"),
    TURIN("Turin");

    private final String kdsName;

    SnpProduct(String kdsName) {
        this.kdsName = kdsName;
    }

    /** The name AMD's key distribution service uses in its paths. */
    public String kdsName() {
        return kdsName;
    }

    public boolean hasFmc() {
        return this == TURIN;
    }

    /** Family 19h model 0xh is Milan, 1xh and Axh (Siena, Genoa's roots) Genoa; family 1Ah is Turin. */
    public static Optional<SnpProduct> fromCpuid(int family, int model) {
        if (family == 0x19) {
            int high = model >> 4;
            if (high == 0x0) {
                return Optional.of(MILAN);
            }
            if (high == 0x1 || high == 0xA) {
                return Optional.of(GENOA);
            }
        }
        if (family == 0x1A && model >> 4 <= 0x1) {
            return Optional.of(TURIN);
        }
        return Optional.empty();
    }

    /** From the VCEK/VLEK productName extension: "Milan-B0", "Genoa" (KDS omitted the stepping), "Turin". */
    public static Optional<SnpProduct> fromProductName(String name) {
        String line = name.contains("-") ? name.substring(0, name.indexOf('-')) : name;
        for (SnpProduct product : values()) {
            if (product.kdsName.equals(line)) {
                return Optional.of(product);
            }
        }
        return Optional.empty();
    }
}
