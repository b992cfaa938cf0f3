package dev.duet.controller;

import java.time.Duration;
import java.util.Optional;

/**
 * A request the controller refuses, or cannot carry out, with a stable kind that the API maps to a
 * status and problem type. The message is safe to show: it never holds key material.
 */
public final class ControllerException extends Exception {
    public enum Kind {
        INVALID_REQUEST,
        UNSUPPORTED_MEDIA_TYPE,
        LENGTH_REQUIRED,
        BODY_TOO_LARGE,
        BODY_TIMEOUT,
        /** The client closed the connection before its body arrived; nobody is left to answer. */
        CLIENT_ABORTED,
        UNAUTHENTICATED,
        FORBIDDEN,
        REPLAYED,
        RATE_LIMITED,
        UNKNOWN_CVM,
        MODE_FORBIDS,
        /** A rule of the CVM's command policy denies the action (issue 12); the refusal names the rule. */
        POLICY_DENIES,
        CONFLICT,
        /** No governed request has that id (issue 12). */
        UNKNOWN_APPROVAL,
        /** The governed request expired before enough owners approved it: it was not carried out and never will be. */
        APPROVAL_EXPIRED,
        /** The governed request was already carried out, refused or interrupted: it takes no more approvals. */
        APPROVAL_CLOSED,
        /** This owner key already approved the request: k of n means k distinct owners. */
        ALREADY_APPROVED,
        TARGET_FAILED,
        /** The controller's own attestation provider gave no report: it serves no evidence rather than unattested evidence. */
        ATTESTATION_UNAVAILABLE,
        /**
         * A CVM gave no fresh report: it is making another one (with a Retry-After), or its
         * interface or session failed. Nothing about the CVM is concluded from it.
         */
        CVM_EVIDENCE_UNAVAILABLE,
        /** A CVM's fresh report does not bind what it was asked to, or does not verify: never relied on. */
        CVM_EVIDENCE_REJECTED,
        /**
         * The machine has a way in that goes around the controller (an Azure extension, Run Command,
         * password login, serial console): it cannot be in the controller's sole custody. The message names each.
         */
        BYPASS_PRESENT;

        /** The kind's name on the wire: a refusal's {@code refusal} field and its problem type. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private final Kind kind;
    private final Optional<String> cvmId;
    private final Optional<Duration> retryAfter;

    public ControllerException(Kind kind, String message) {
        this(kind, message, Optional.empty());
    }

    public ControllerException(Kind kind, String message, Optional<String> cvmId) {
        this(kind, message, cvmId, Optional.empty());
    }

    private ControllerException(Kind kind, String message, Optional<String> cvmId, Optional<Duration> retryAfter) {
        super(message);
        this.kind = kind;
        this.cvmId = cvmId;
        this.retryAfter = retryAfter;
    }

    /** A refusal for going over a rate; the client may try again after {@code retryAfter}. */
    static ControllerException rateLimited(String message, Duration retryAfter) {
        return new ControllerException(Kind.RATE_LIMITED, message, Optional.empty(), Optional.of(retryAfter));
    }

    /** The controller's attestation is busy making another report; the client may try again after {@code retryAfter}. */
    static ControllerException attestationBusy(String message, Duration retryAfter) {
        return new ControllerException(Kind.ATTESTATION_UNAVAILABLE, message, Optional.empty(), Optional.of(retryAfter));
    }

    /** The CVM is making another fresh report; the client may try again after {@code retryAfter}. */
    static ControllerException cvmEvidenceBusy(String id, Duration retryAfter) {
        return new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + id + " is making another fresh report; retry after "
                + "Retry-After seconds", Optional.of(id), Optional.of(retryAfter));
    }

    /** The CVM's log moved while its fresh report was made, twice: the report covers another head than the bundle would. */
    static ControllerException cvmLogMoved(String id, Duration retryAfter) {
        return new ControllerException(Kind.CVM_EVIDENCE_UNAVAILABLE, "CVM " + id + "'s log moved while its fresh report was made; retry "
                + "after Retry-After seconds", Optional.of(id), Optional.of(retryAfter));
    }

    /** The refusal of a request whose content breaks one of the controller's rules. */
    static ControllerException invalid(String message) {
        return new ControllerException(Kind.INVALID_REQUEST, message);
    }

    /** The refusal for an id that names no CVM this controller knows, or a name no CVM in the list has. */
    static ControllerException unknownCvm(String cvm) {
        return new ControllerException(Kind.UNKNOWN_CVM, CvmRef.isId(cvm) ? "no CVM with id " + cvm
                : "no CVM in the list is named " + cvm + " (a CVM removed from the list answers by its id only)");
    }

    public Kind kind() {
        return kind;
    }

    /** The CVM the refusal concerns, when it names an existing one. */
    public Optional<String> cvmId() {
        return cvmId;
    }

    /** For {@link Kind#RATE_LIMITED} and a busy {@link Kind#ATTESTATION_UNAVAILABLE} or {@link Kind#CVM_EVIDENCE_UNAVAILABLE}: when a new attempt may be admitted. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
