package dev.duet.provisioner.attest;

import dev.duet.attestation.SshHostKeyBinding;
import dev.duet.provisioner.ssh.SshKeys;
import java.security.PublicKey;

/** {@link SshHostKeyBinding} for a host key as the SSH client sees it. */
public final class HostKeyBinding {
    private HostKeyBinding() {}

    public static byte[] reportData(PublicKey hostKey, byte[] nonce) {
        return SshHostKeyBinding.reportData(SshKeys.publicKeyBlob(hostKey), nonce);
    }
}
