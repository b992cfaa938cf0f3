package dev.duet.api;

import dev.duet.provisioner.testing.OpenSshServer;

/** Request bodies shared by the API tests. */
final class ApiRefusalTestBodies {
    private ApiRefusalTestBodies() {}

    static String adopt(OpenSshServer sshd, String hostKey) throws Exception {
        return TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", "t")
                .set("ssh", TestOwner.JSON.createObjectNode().put("host", "127.0.0.1").put("port", sshd.port())
                        .put("user", OpenSshServer.user()).put("host_key", hostKey)
                        .put("bootstrap_private_key", sshd.bootstrapPrivateKey())
                        .put("authorized_keys_path", sshd.authorizedKeys().toString())).toString();
    }
}
