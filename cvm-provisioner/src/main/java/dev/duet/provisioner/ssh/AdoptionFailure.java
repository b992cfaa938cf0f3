package dev.duet.provisioner.ssh;

/** Adoption stopped: the machine is not under the controller's sole key. The message says why. */
public final class AdoptionFailure extends Exception {
    public AdoptionFailure(String message) {
        super(message);
    }
}
