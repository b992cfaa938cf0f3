package dev.duet.protocol.entry;

import java.util.Optional;

/**
 * The kinds of log entry the controller writes, each with one payload type ({@link Payload}); their
 * payloads are described in docs/api.md.
 */
public enum EntryKind {
    OWNER_REGISTERED("owner.registered"),
    CVM_ADOPTION_STARTED("cvm.adoption-started"),
    CVM_ADOPTED("cvm.adopted"),
    /** A guest's evidence and whether it binds the host key the guest presented (QEMU provider). */
    CVM_ATTESTATION("cvm.attestation"),
    CVM_FAILED("cvm.failed"),
    MODE_CHANGED("mode.changed"),
    COMMAND_STARTED("command.started"),
    COMMAND_COMPLETED("command.completed"),
    COMMAND_FAILED("command.failed"),
    REQUEST_REFUSED("request.refused"),
    /**
     * Owner-route requests refused before their sender was authenticated, summarised per window
     * (count, counts by reason, one bounded sample). Log-wide: never on a CVM's own chain.
     */
    UNAUTHENTICATED_REFUSALS("request.unauthenticated-refusals"),
    CVM_STOPPED("cvm.stopped"),
    /** An owner removed a stopped or failed CVM from the list; its history stays, and it answers by its id. */
    CVM_REMOVED("cvm.removed"),
    /** The policy in force for a CVM from this entry on, logged whole. */
    POLICY_SET("policy.set"),
    /** The controller-wide default policy for CVMs created afterwards. Log-wide. */
    POLICY_DEFAULT_SET("policy.default-set"),
    FILE_WRITE_STARTED("file.write-started"),
    FILE_WRITE_COMPLETED("file.write-completed"),
    FILE_WRITE_FAILED("file.write-failed"),
    FILE_READ("file.read"),
    /** A governed request waits for k of n owners; on the CVM's chain when it is about one, else log-wide. */
    APPROVAL_REQUESTED("approval.requested"),
    APPROVAL_ADDED("approval.added"),
    APPROVAL_EXPIRED("approval.expired"),
    /** Owner keys added or removed, or the threshold changed (k of n approved). Log-wide. */
    OWNERS_CHANGED("owners.changed");

    private final String wire;

    EntryKind(String wire) {
        this.wire = wire;
    }

    /** The kind as an entry names it. */
    public String wire() {
        return wire;
    }

    public static Optional<EntryKind> parse(String wire) {
        for (EntryKind kind : values()) {
            if (kind.wire.equals(wire)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
