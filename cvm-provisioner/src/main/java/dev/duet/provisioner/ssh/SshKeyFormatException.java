package dev.duet.provisioner.ssh;

/** Text or bytes that are not an SSH key of a supported kind. */
public final class SshKeyFormatException extends Exception {
    public SshKeyFormatException(String message) {
        super(message);
    }
}
