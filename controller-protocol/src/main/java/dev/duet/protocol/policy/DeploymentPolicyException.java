package dev.duet.protocol.policy;

/**
 * A deployment policy file that is not a policy: malformed, an unknown or duplicated key, a value
 * of the wrong type or out of range. {@link #path()} names the bad key ({@code cvm.snp.measurements},
 * {@code forbiddenCommands[2][0]}), or is empty when the document as a whole is wrong.
 */
public final class DeploymentPolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String path;

    public DeploymentPolicyException(String path, String message) {
        super(path.isEmpty() ? message : path + ": " + message);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
