package dev.duet.provisioner.azure;

/**
 * Azure refused or failed a step: which step, and Azure's own error code and message with every
 * credential struck out ({@link Redaction}). Nothing else of the exception reaches a reason.
 */
public final class AzureFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public AzureFailure(String message) {
        super(message);
    }
}
