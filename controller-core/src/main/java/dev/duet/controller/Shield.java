package dev.duet.controller;

import java.util.Optional;

/**
 * The owner operations of the shielding interface (issue 12, docs/policy.md), on a CVM named by id
 * or by name: its command policy in force ({@link PolicyService}) and file transfers
 * ({@link FileTransfers}), each as the policy decides and logged.
 */
public final class Shield {
    private final Transitions transitions;
    private final PolicyService policies;
    private final FileTransfers files;

    Shield(Transitions transitions, PolicyService policies, FileTransfers files) {
        this.transitions = transitions;
        this.policies = policies;
        this.files = files;
    }

    /** The CVM's policy in force, or with {@code cvm} empty the controller-wide default. */
    public PolicyInForce policy(Optional<String> cvm) throws ControllerException {
        return cvm.isPresent() ? policies.of(transitions.resolve(cvm.get())) : policies.defaultPolicy();
    }

    /** Sets the CVM's policy from {@code body} (governed; only narrowing in-service), or with {@code cvm} empty the default. */
    public PolicyInForce setPolicy(OwnerId owner, OwnerRequest.Line line, Optional<String> cvm, byte[] body) throws ControllerException {
        return cvm.isPresent() ? policies.set(owner, line, body, transitions.resolve(cvm.get())) : policies.setDefault(owner, line, body);
    }

    /** Writes an owner's file on the CVM over SFTP, atomically, as its policy decides. */
    public FileWritten writeFile(OwnerId owner, OwnerRequest.Line line, String cvm, FileWriteRequest request) throws ControllerException {
        return files.write(owner, line, transitions.resolve(cvm), request);
    }

    /** Reads a file back from the CVM for an owner, as its policy decides, logged before it is returned. */
    public FileContent readFile(OwnerId owner, OwnerRequest.Line line, String cvm, String path) throws ControllerException {
        return files.read(owner, line, transitions.resolve(cvm), path);
    }
}
