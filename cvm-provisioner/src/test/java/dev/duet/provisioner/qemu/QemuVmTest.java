package dev.duet.provisioner.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link QemuVm#awaitReady} makes of a serial console, with a real child process standing in for QEMU. */
class QemuVmTest {
    @TempDir Path dir;

    @Test
    void aGuestKernelThatPanicsIsReportedByItsPanicMessageNotItsStackTrace() throws Exception {
        Path serial = Files.writeString(dir.resolve("serial.log"), """
                [    0.052000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug
                [    0.052000]  panic+0x344/0x3a0
                [    0.052000]  </TASK>
                """);
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        try (QemuVm vm = new QemuVm("panic", exited, 0, serial, dir.resolve("vm"), "tcg")) {
            assertThatThrownBy(() -> vm.awaitReady(Duration.ofSeconds(5))).isInstanceOf(IOException.class)
                    .hasMessage("QEMU exited with status 0 before the guest was ready: "
                            + "[    0.052000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug");
        }
    }

    @Test
    void theGuestsFailureReasonArrivesWholeAsOneBoundedPrintableLine() throws Exception {
        Path serial = Files.writeString(dir.resolve("serial.log"), "booting\nDUET-FAILED: dropbear exited: bad\u0007\u001b[31m bytes");
        Process running = new ProcessBuilder("sleep", "30").start();
        try (QemuVm vm = new QemuVm("failed", running, 0, serial, dir.resolve("vm"), "tcg")) {
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    Files.writeString(serial, " and the rest " + "x".repeat(1000) + "\r\n[    9.1] reboot: Power down\n",
                            StandardOpenOption.APPEND);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            assertThatThrownBy(() -> vm.awaitReady(Duration.ofSeconds(5))).isInstanceOf(IOException.class)
                    .satisfies(e -> assertThat(e.getMessage())
                            .startsWith("the guest failed to start: dropbear exited: bad??[31m bytes and the rest xxx")
                            .endsWith("x...")
                            .hasSize("the guest failed to start: ".length() + 400 + 3)
                            .matches("[\\x20-\\x7e]*"));
            writer.join();
        }
    }
}
