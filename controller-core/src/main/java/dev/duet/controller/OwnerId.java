package dev.duet.controller;

import java.util.List;

/**
 * A registered owner key that signed the current request, and, for a request k of n owners had to
 * approve (issue 12), every owner key that approved it (this one included); empty when one owner
 * sufficed. Only the authenticator and the governance of approvals create one.
 */
public record OwnerId(String keyId, List<String> approvedBy) {
    public OwnerId {
        approvedBy = List.copyOf(approvedBy);
    }

    public OwnerId(String keyId) {
        this(keyId, List.of());
    }

    public String actor() {
        return "owner:" + keyId;
    }
}
