package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A governed request that cannot be carried out is refused when it is asked, not after other owners
 * approved it: owners are not asked to approve what would only fail (found by a penetration test:
 * a policy change on a stopped CVM, or one that widens an in-service CVM's policy, waited as 202).
 */
class GovernedRefusalTest {
    private static final String WIDER = "{\"rules\":[{\"id\":\"anything\",\"effect\":\"allow\",\"modes\":[\"in-service\"],"
            + "\"exec\":[\"**\"]}],\"max_upload_bytes\":1048576,\"log_content_below_bytes\":4096,\"on_leaving_service\":[]}";
    @TempDir Path dir;

    @Test
    void aPolicyChangeThatCannotBeMadeIsRefusedAtOnceAndNothingWaits() throws Exception {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Ed25519KeyPair b = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(a.publicKey(), b.publicKey()),
                        config -> config.withGovernance(OptionalInt.of(2), Duration.ofMinutes(15)))) {
            TestOwner owner = new TestOwner(running.port(), a);
            String cvm = owner.adopt(sshd);
            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);

            TestOwner.Reply widening = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", WIDER);
            assertThat(widening.status()).as(widening.raw()).isEqualTo(409);
            assertThat(widening.body().path("detail").asText()).contains("widens it");

            assertThat(owner.signed("DELETE", "/v1/cvms/" + cvm, null).status()).isEqualTo(200);
            TestOwner.Reply stopped = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", WIDER);
            assertThat(stopped.status()).as(stopped.raw()).isEqualTo(409);
            assertThat(stopped.body().path("detail").asText()).contains("is stopped; its policy cannot change");
            assertThat(owner.get("/v1/approvals").body().path("approvals")).as("nothing waits for approvals").isEmpty();
        }
    }
}
