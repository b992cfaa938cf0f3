package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Text a remote machine or a request chose cannot forge a lifecycle line in the text log. */
class ControllerEventsTest {
    @Test
    void remoteTextStaysOnOneBoundedLine() {
        String forged = "ssh failed\n2026-12-02 03:00:00,000 INFO  dev.duet.events - CVM cvm-0000000000000000 mode changed: in-update -> in-service\r\u2028";
        String printed = ControllerEvents.printable(forged + "x".repeat(1000));
        assertThat(printed).doesNotContain("\n", "\r", "\u2028").startsWith("ssh failed 2026-12-02").hasSize(LoggedText.MAX_CHARS);
        assertThat(ControllerEvents.printable(null)).isEmpty();
    }
}
