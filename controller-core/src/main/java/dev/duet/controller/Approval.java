package dev.duet.controller;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A governed request that needed k of n owners (issue 12): what it asks (method, path, the SHA-256
 * of its body; on a CVM's chain when it is about one), who asked, who approved it so far (the
 * requester first), how many approvals it needs, until when, the entry that logged it, and where
 * it stands. {@code outcome} says why a request ended without being carried out. {@code body} is
 * the body exactly as the requester signed it (UTF-8 JSON, hashing to {@code bodySha256}), so the
 * other owners see what they approve; it is known only while the request is pending (the controller
 * holds it in memory, with the action), and empty otherwise.
 */
public record Approval(String id, Optional<String> cvm, String method, String path, String bodySha256, String requestedBy,
        List<String> approvedBy, int threshold, Instant expires, State state, long requestedSeq, Optional<String> outcome,
        Optional<String> body) {

    public enum State {
        /** Waiting for approvals; it may still be approved until it expires. */
        PENDING,
        /** Enough owners approved it and it is being carried out now. */
        APPROVED,
        /** Carried out as the owner who made it, with every approver logged. */
        CARRIED_OUT,
        /** Enough owners approved it, but carrying it out was refused (the CVM's state had changed, for example). */
        REFUSED,
        /** Not carried out: it expired, the owner keys changed, or the controller restarted while it waited. */
        EXPIRED,
        /** The controller stopped while it was being carried out: see the log for what happened. */
        INTERRUPTED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static State parse(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public Approval {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cvm, "cvm");
        approvedBy = List.copyOf(approvedBy);
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(body, "body");
    }

    Approval with(List<String> approvers, State changed, Optional<String> why) {
        return new Approval(id, cvm, method, path, bodySha256, requestedBy, approvers, threshold, expires, changed, requestedSeq, why, body);
    }

    Approval withBody(Optional<String> signed) {
        return new Approval(id, cvm, method, path, bodySha256, requestedBy, approvedBy, threshold, expires, state, requestedSeq, outcome, signed);
    }
}
