package dev.duet.protocol;

/** The kinds of log entry the controller writes; their payloads are described in docs/api.md. */
public final class EntryKinds {
    public static final String OWNER_REGISTERED = "owner.registered";
    public static final String CVM_ADOPTION_STARTED = "cvm.adoption-started";
    public static final String CVM_ADOPTED = "cvm.adopted";
    /** A guest's evidence and whether it binds the host key the guest presented (QEMU provider). */
    public static final String CVM_ATTESTATION = "cvm.attestation";
    public static final String CVM_FAILED = "cvm.failed";
    public static final String MODE_CHANGED = "mode.changed";
    public static final String COMMAND_STARTED = "command.started";
    public static final String COMMAND_COMPLETED = "command.completed";
    public static final String COMMAND_FAILED = "command.failed";
    public static final String REQUEST_REFUSED = "request.refused";
    /**
     * Owner-route requests refused before their sender was authenticated, summarised per window
     * (count, counts by reason, one bounded sample). Log-wide: never on a CVM's own chain.
     */
    public static final String UNAUTHENTICATED_REFUSALS = "request.unauthenticated-refusals";
    public static final String CVM_STOPPED = "cvm.stopped";

    private EntryKinds() {}
}
