package dev.duet.controller;

import dev.duet.protocol.CvmMode;
import java.time.Duration;

/**
 * What the controller tells an operator's metrics (docs/operations.md, "Metrics"). The core knows
 * no metrics library and no HTTP: the API implements this and serves it. Calls come from the
 * controller's working threads, the log's committer among them, so they must be quick and must not
 * throw.
 */
public interface ControllerMetrics {
    /** A commit of the log: its size after, the entries it added, and how long the batch took until durable (one fsync). */
    void logCommitted(long size, long appended, Duration took);

    /** How an authenticated owner's command ended. */
    void commandFinished(CommandOutcome outcome);

    /** A CVM's provisioning ended in {@code mode} ({@code in-update} or {@code failed}) after {@code took}. */
    void provisioned(ProviderKind provider, CvmMode mode, Duration took);

    /** The outcomes a command is counted by; the label is {@link #wire}. */
    enum CommandOutcome {
        /** It ran and exited (any status) or was killed by a signal. */
        COMPLETED("completed"),
        /** It ran past its timeout and was stopped. */
        TIMED_OUT("timed_out"),
        /** The CVM could not be reached; the log records the command as failed. */
        TARGET_FAILED("target_failed"),
        /** It was refused before it ran: the CVM's mode, an invalid argv or timeout, an unknown CVM. */
        REFUSED("refused");

        private final String wire;

        CommandOutcome(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** Reports nothing: the controller before an API attaches its metrics. */
    ControllerMetrics NONE = new ControllerMetrics() {
        @Override
        public void logCommitted(long size, long appended, Duration took) {}

        @Override
        public void commandFinished(CommandOutcome outcome) {}

        @Override
        public void provisioned(ProviderKind provider, CvmMode mode, Duration took) {}
    };
}
