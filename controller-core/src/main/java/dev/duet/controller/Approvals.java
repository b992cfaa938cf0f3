package dev.duet.controller;

import java.util.List;
import java.util.Optional;

/**
 * What owners and readers do with governed requests (issue 12): list those waiting, read one,
 * approve one, and change the owner keys (itself governed). The API's routes call these;
 * {@link Governance} and {@link OwnerChanges} decide.
 */
public final class Approvals {
    private final Governance governance;
    private final OwnerChanges ownerChanges;

    Approvals(Governance governance, OwnerChanges ownerChanges) {
        this.governance = governance;
        this.ownerChanges = ownerChanges;
    }

    /** The requests waiting for approvals, oldest first (anyone may read them). */
    public List<Approval> pending() {
        return governance.pending();
    }

    /** One request by its id, in whatever state it ended. */
    public Approval get(String id) throws ControllerException {
        return governance.get(id);
    }

    /**
     * {@code owner}'s approval of request {@code id}; the k-th carries it out ({@link ApprovalResult}).
     * With {@code bodySha256}, the hash of the body the owner saw, it counts only if that is the
     * request's (otherwise {@link ControllerException.Kind#CONFLICT}, and nothing is recorded).
     */
    public ApprovalResult approve(OwnerId owner, String id, Optional<String> bodySha256) throws ControllerException {
        return governance.approve(owner, id, bodySha256);
    }

    /**
     * Adds and removes owner keys and sets the threshold ({@code line} and {@code body} as the owner
     * signed them): governed, so with k > 1 it waits for approvals ({@link ApprovalPending}).
     */
    public OwnersChange changeOwners(OwnerId owner, OwnerRequest.Line line, byte[] body, OwnersRequest request) throws ControllerException {
        return ownerChanges.change(owner, line, body, request);
    }
}
