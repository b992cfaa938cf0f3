package dev.duet.api;

import dev.duet.provisioner.testing.OpenSshServer;

/** Request bodies shared by the API tests. */
final class ApiRefusalTestBodies {
    private ApiRefusalTestBodies() {}

    private static final java.util.concurrent.atomic.AtomicLong NAMES = new java.util.concurrent.atomic.AtomicLong();

    static String adopt(OpenSshServer sshd, String hostKey) throws Exception {
        // Names are unique in the list: each adoption gets its own.
        return TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", "t-" + NAMES.incrementAndGet())
                .set("ssh", TestOwner.JSON.createObjectNode().put("host", "127.0.0.1").put("port", sshd.port())
                        .put("user", OpenSshServer.user()).put("host_key", hostKey)
                        .put("bootstrap_private_key", sshd.bootstrapPrivateKey())
                        .put("authorized_keys_path", sshd.authorizedKeys().toString())).toString();
    }
}
