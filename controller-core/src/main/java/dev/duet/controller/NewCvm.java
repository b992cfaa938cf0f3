package dev.duet.controller;

import dev.duet.controller.sealing.Sealer;
import dev.duet.provisioner.ssh.SshKeys;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A new CVM's id and the SSH key the controller will hold for it, the private half sealed (under
 * the CVM's own context) before anything is stored.
 */
record NewCvm(String id, KeyPair sshKey, String keyComment, String keyLine, byte[] sealed) {
    private static final SecureRandom RANDOM = new SecureRandom();

    static NewCvm generate(Sealer sealer) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String id = "cvm-" + HexFormat.of().formatHex(random);
        KeyPair sshKey = SshKeys.generateEd25519();
        String keyComment = "duet-controller-" + id;
        return new NewCvm(id, sshKey, keyComment, SshKeys.authorizedKeyLine(sshKey.getPublic(), keyComment),
                sealer.seal(sshKey.getPrivate().getEncoded(), SessionPool.sshKeyContext(id)));
    }
}
