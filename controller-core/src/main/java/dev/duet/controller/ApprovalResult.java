package dev.duet.controller;

import java.util.Optional;

/**
 * What an approval did: the request as it stands now, and, if this approval was the k-th, what
 * carrying it out returned (the same value its route returns when one owner suffices) or the
 * refusal it met.
 */
public record ApprovalResult(Approval approval, Optional<Object> result, Optional<ControllerException> refusal) {}
