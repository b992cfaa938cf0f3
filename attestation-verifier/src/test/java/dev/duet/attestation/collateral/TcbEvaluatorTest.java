package dev.duet.attestation.collateral;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.Octets;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.intel.TdReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Level matching on synthetic TCB Infos: each SVN kind decides on its own. */
class TcbEvaluatorTest {
    private static final Instant DATE = Instant.parse("2024-01-01T00:00:00Z");

    private static List<Integer> svns(int index, int value) {
        List<Integer> list = new ArrayList<>(Collections.nCopies(16, 0));
        list.set(index, value);
        return list;
    }

    private static TcbInfo info(List<TcbLevel> levels) {
        return new TcbInfo("TDX", 3, DATE, DATE, Octets.fromHex("00a06d080000"), Octets.fromHex("0000"), 17, levels,
                Optional.empty(), List.of(), Octets.fromHex("00"), Octets.fromHex("00"));
    }

    private static PckCertificate pck(List<Integer> comp, int pceSvn) {
        return new PckCertificate(null, Octets.fromHex("00"), comp, pceSvn, Octets.fromHex("00"), Octets.fromHex("0000"),
                Octets.fromHex("00a06d080000"), 1);
    }

    private static TdReport td(String teeTcbSvn) {
        Octets zero48 = Octets.copyOf(new byte[48]);
        Octets zero8 = Octets.copyOf(new byte[8]);
        return new TdReport(Octets.fromHex(teeTcbSvn), zero48, zero48, zero8, zero8, zero8, zero48, zero48, zero48, zero48,
                List.of(zero48, zero48, zero48, zero48), Octets.copyOf(new byte[64]), Optional.empty(), Optional.empty());
    }

    private static String status(LevelMatch match) {
        return match instanceof LevelMatch.Matched m ? m.status().wire() : "none";
    }

    @Test
    void eachTeeTcbSvnComponentCountsAndTheModuleBytesAreSkippedWhenAModuleIdentityApplies() {
        TcbInfo info = info(List.of(
                new TcbLevel(svns(0, 0), 11, svns(2, 3), DATE, TcbStatus.UP_TO_DATE, List.of()),
                new TcbLevel(svns(0, 0), 11, svns(0, 0), DATE, TcbStatus.OUT_OF_DATE, List.of("INTEL-SA-1"))));
        PckCertificate platform = pck(svns(0, 0), 11);
        assertThat(status(TcbEvaluator.platform(info, platform, Optional.of(td("05030300000000000000000000000000")))))
                .isEqualTo("UpToDate");
        assertThat(status(TcbEvaluator.platform(info, platform, Optional.of(td("05030200000000000000000000000000")))))
                .isEqualTo("OutOfDate");

        TcbInfo moduleBytes = info(List.of(
                new TcbLevel(svns(0, 0), 11, svns(0, 9), DATE, TcbStatus.UP_TO_DATE, List.of())));
        assertThat(status(TcbEvaluator.platform(moduleBytes, platform, Optional.of(td("00010000000000000000000000000000")))))
                .as("TEE_TCB_SVN[1] > 0: bytes 0 and 1 belong to the module identity").isEqualTo("UpToDate");
        assertThat(status(TcbEvaluator.platform(moduleBytes, platform, Optional.of(td("00000000000000000000000000000000")))))
                .as("TEE_TCB_SVN[1] = 0: byte 0 is compared").isEqualTo("none");
    }

    @Test
    void sgxComponentsAndPceSvnEachDecide() {
        TcbInfo info = info(List.of(
                new TcbLevel(svns(7, 5), 13, svns(0, 0), DATE, TcbStatus.UP_TO_DATE, List.of()),
                new TcbLevel(svns(7, 3), 11, svns(0, 0), DATE, TcbStatus.SW_HARDENING_NEEDED, List.of())));
        Optional<TdReport> body = Optional.of(td("00000000000000000000000000000000"));
        assertThat(status(TcbEvaluator.platform(info, pck(svns(7, 5), 13), body))).isEqualTo("UpToDate");
        assertThat(status(TcbEvaluator.platform(info, pck(svns(7, 5), 12), body))).isEqualTo("SWHardeningNeeded");
        assertThat(status(TcbEvaluator.platform(info, pck(svns(7, 4), 13), body))).isEqualTo("SWHardeningNeeded");
        assertThat(status(TcbEvaluator.platform(info, pck(svns(7, 2), 13), body))).isEqualTo("none");
        assertThat(status(TcbEvaluator.platform(info, pck(svns(7, 3), 10), body))).isEqualTo("none");
    }
}
