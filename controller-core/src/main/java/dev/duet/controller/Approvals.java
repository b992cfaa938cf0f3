package dev.duet.controller;

import java.util.List;

/**
 * What owners and readers do with governed requests (issue 12): list those waiting, read one, and
 * approve one. The API's approval routes call these; {@link Governance} decides.
 */
public final class Approvals {
    private final Governance governance;

    Approvals(Governance governance) {
        this.governance = governance;
    }

    /** The requests waiting for approvals, oldest first (anyone may read them). */
    public List<Approval> pending() {
        return governance.pending();
    }

    /** One request by its id, in whatever state it ended. */
    public Approval get(String id) throws ControllerException {
        return governance.get(id);
    }

    /** {@code owner}'s approval of request {@code id}; the k-th carries it out ({@link ApprovalResult}). */
    public ApprovalResult approve(OwnerId owner, String id) throws ControllerException {
        return governance.approve(owner, id);
    }
}
