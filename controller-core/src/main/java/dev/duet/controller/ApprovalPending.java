package dev.duet.controller;

/**
 * Thrown by {@link Governance#govern} instead of carrying out a governed request that needs more
 * owners than the one who sent it: the request now waits for approvals ({@link #approval()}), and
 * nothing else happened. The API answers it 202 with the pending request. Unchecked, so every
 * governed route passes it through to the API unchanged, whatever it declares.
 */
public final class ApprovalPending extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Approval approval;

    ApprovalPending(Approval approval) {
        super("request " + approval.id() + " waits for " + approval.threshold() + " owners' approvals", null, false, false);
        this.approval = approval;
    }

    public Approval approval() {
        return approval;
    }
}
