package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.controller.SelfAttestation;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller's configfs-tsm source against a directory laid out like configfs-tsm
 * ({@link FakeTsmKernel}, read through the real LocalTsmFs): a report is served only when it is for
 * our inblob. Another writer's inblob between our write and our read moves generation past the one
 * our write makes; a report for other REPORT_DATA is refused even when generation looks right.
 */
class TsmGenerationTest {
    @TempDir Path dir;

    private static byte[] asked() {
        byte[] reportData = new byte[64];
        Arrays.fill(reportData, (byte) 0x42);
        return reportData;
    }

    @Test
    void aReportIsServedForOurInblob() throws Exception {
        FakeTsmKernel kernel = new FakeTsmKernel(dir.resolve("tsm/report"), SimulatedSnp.open(dir.resolve("chip")));
        SelfAttestation.Report report = SelfAttestation.tsm(kernel).report(asked()).orElseThrow();
        assertThat(Arrays.copyOfRange(report.report().toByteArray(), 0x50, 0x90)).isEqualTo(asked());
    }

    @Test
    void anotherWritersInblobBetweenOurWriteAndOurReadIsRefused() throws Exception {
        FakeTsmKernel kernel = new FakeTsmKernel(dir.resolve("tsm/report"), SimulatedSnp.open(dir.resolve("chip")));
        SelfAttestation tsm = SelfAttestation.tsm(kernel);
        kernel.interleaving = true;
        assertThatThrownBy(() -> tsm.report(asked())).isInstanceOf(IOException.class)
                .hasMessageContaining("between our inblob write and reading the report (generation 1 then 2)");
        assertThat(Files.list(dir.resolve("tsm/report"))).as("the entry is removed all the same").isEmpty();
    }

    @Test
    void aReportForOtherReportDataIsRefusedEvenWhenGenerationLooksRight() throws Exception {
        FakeTsmKernel kernel = new FakeTsmKernel(dir.resolve("tsm/report"), SimulatedSnp.open(dir.resolve("chip")));
        SelfAttestation tsm = SelfAttestation.tsm(kernel);
        kernel.misreporting = true;
        assertThatThrownBy(() -> tsm.report(asked())).isInstanceOf(IOException.class)
                .hasMessageContaining("REPORT_DATA " + "ee".repeat(64)).hasMessageContaining("not the " + "42".repeat(64) + " asked for");
    }
}
