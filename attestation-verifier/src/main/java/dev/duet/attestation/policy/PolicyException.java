package dev.duet.attestation.policy;

/** The policy file is not a policy; the message says where and why. */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    public PolicyException(String message) {
        super(message);
    }
}
