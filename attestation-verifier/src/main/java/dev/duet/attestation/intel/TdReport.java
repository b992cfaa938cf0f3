package dev.duet.attestation.intel;

import dev.duet.attestation.LittleEndian;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import java.util.List;
import java.util.Optional;

/**
 * A TD report body: 584 bytes (TDX 1.0) or 648 bytes (TDX 1.5, which adds TEE_TCB_SVN2 and
 * MRSERVICETD).
 */
public record TdReport(
        Octets teeTcbSvn,
        Octets mrSeam,
        Octets mrSignerSeam,
        Octets seamAttributes,
        Octets tdAttributes,
        Octets xfam,
        Octets mrTd,
        Octets mrConfigId,
        Octets mrOwner,
        Octets mrOwnerConfig,
        List<Octets> rtmrs,
        Octets reportData,
        Optional<Octets> teeTcbSvn2,
        Optional<Octets> mrServiceTd) implements QuoteBody {

    public static final int SIZE_1_0 = 584;
    public static final int SIZE_1_5 = 648;

    public TdReport {
        rtmrs = List.copyOf(rtmrs);
    }

    static TdReport parse(LittleEndian in, int at, boolean v15) throws MalformedEvidenceException {
        return new TdReport(
                in.octets(at, 16, "TEE_TCB_SVN"),
                in.octets(at + 16, 48, "MRSEAM"),
                in.octets(at + 64, 48, "MRSIGNERSEAM"),
                in.octets(at + 112, 8, "SEAMATTRIBUTES"),
                in.octets(at + 120, 8, "TDATTRIBUTES"),
                in.octets(at + 128, 8, "XFAM"),
                in.octets(at + 136, 48, "MRTD"),
                in.octets(at + 184, 48, "MRCONFIGID"),
                in.octets(at + 232, 48, "MROWNER"),
                in.octets(at + 280, 48, "MROWNERCONFIG"),
                List.of(in.octets(at + 328, 48, "RTMR0"), in.octets(at + 376, 48, "RTMR1"),
                        in.octets(at + 424, 48, "RTMR2"), in.octets(at + 472, 48, "RTMR3")),
                in.octets(at + 520, 64, "REPORTDATA"),
                v15 ? Optional.of(in.octets(at + 584, 16, "TEE_TCB_SVN2")) : Optional.empty(),
                v15 ? Optional.of(in.octets(at + 600, 48, "MRSERVICETD")) : Optional.empty());
    }

    /** TDATTRIBUTES bit 0 (TUD.DEBUG). */
    @Override
    public boolean debug() {
        return TdAttributes.decode(tdAttributes).debug();
    }
}
