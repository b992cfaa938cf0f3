package dev.duet.attestation.snp;

import java.util.Optional;

/** Which key signed a report (SIGNING_KEY, bits 4:2 of the word at 0x48). */
public enum SigningKey {
    /** Versioned Chip Endorsement Key: per chip and TCB, from AMD's KDS. */
    VCEK(0),
    /** Versioned Loaded Endorsement Key: per cloud provider, loaded by the host. */
    VLEK(1),
    /** The report is not signed. */
    NONE(7);

    private final int code;

    SigningKey(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<SigningKey> fromCode(int code) {
        for (SigningKey key : values()) {
            if (key.code == code) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }
}
