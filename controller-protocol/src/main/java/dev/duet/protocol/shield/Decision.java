package dev.duet.protocol.shield;

import java.util.Objects;

/**
 * A policy's answer to one action in one mode: allowed or not, the id of the rule that decided
 * (a rule of the policy, or one of the built-in defaults and limits, whose ids hold a colon that
 * no rule id may hold), and why, in words for the owner.
 */
public record Decision(boolean allowed, String rule, String reason) {
    /** Decides what no rule matched, in {@code in-update}: allowed, as before policies existed. */
    public static final String DEFAULT_IN_UPDATE = "default:in-update";
    /** Decides what no rule matched, in {@code in-service}: refused. */
    public static final String DEFAULT_IN_SERVICE = "default:in-service";
    /** Decides an upload larger than the policy's {@code max_upload_bytes}. */
    public static final String UPLOAD_LIMIT = "limit:max-upload-bytes";
    /** Decides everything while the CVM is in neither operational mode. */
    public static final String NOT_OPERATIONAL = "mode:not-operational";
    /** The prefix of the rule id a command run on leaving service is logged with; its index in the list follows. */
    public static final String ON_LEAVING_SERVICE = "on-leaving-service:";

    public Decision {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(reason, "reason");
    }
}
