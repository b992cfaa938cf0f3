package dev.duet.controller;

import dev.duet.controller.ControllerMetrics.CommandOutcome;
import dev.duet.protocol.CvmMode;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's lifecycle as an operator watches it: one INFO line per CVM created, mode
 * changed, refusal of an owner, and failure (logger {@code dev.duet.events}), and the counts its
 * metrics keep ({@link ControllerMetrics}, attached once the API serves them). The log is the
 * record; these lines are for people watching the controller run, so they name ids, modes and
 * problem types, and hold request text only cut and without control characters.
 */
final class ControllerEvents {
    private static final Logger LOG = LoggerFactory.getLogger("dev.duet.events");

    private volatile ControllerMetrics metrics = ControllerMetrics.NONE;

    void reportTo(ControllerMetrics metrics) {
        this.metrics = metrics;
    }

    static void created(CvmView view) {
        LOG.info("CVM {} created: provider {}, name {}, mode {}", view.id(), view.provider().wire(), view.name(), view.mode().wire());
    }

    static void modeChanged(String id, CvmMode from, CvmMode to) {
        LOG.info("CVM {} mode changed: {} -> {}", id, from.wire(), to.wire());
    }

    static void failed(String id, String reason) {
        LOG.info("CVM {} failed: {}", id, printable(reason));
    }

    static void refused(String actor, String cvm, ControllerException refusal) {
        LOG.info("refused {}{}: {} ({})", actor, cvm == null ? "" : " on CVM " + cvm, refusal.kind().wire(), printable(refusal.getMessage()));
    }

    void commandFinished(CommandOutcome outcome) {
        metrics.commandFinished(outcome);
    }

    void provisioned(String id, ProviderKind provider, CvmMode mode, Duration took) {
        LOG.info("CVM {} provisioned in {} ms: {}", id, took.toMillis(), mode.wire());
        metrics.provisioned(provider, mode, took);
    }

    /** Text that came from a request or a remote machine, cut, on one line: it cannot forge a line of its own. */
    static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(LoggedText.cut(text));
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                out.setCharAt(i, ' ');
            }
        }
        return out.toString();
    }
}
