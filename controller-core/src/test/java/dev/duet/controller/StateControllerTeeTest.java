package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signed CVM state names the controller's TEE as its attestation provider gives it, and whether that is simulated. */
class StateControllerTeeTest {
    @TempDir Path dir;

    @Test
    void theStateNamesTheControllersTeeAndWhetherItIsSimulated() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                Controller c = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(owner.publicKey())),
                        d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(),
                        SelfAttestation.simulatedSnp(SimulatedSnp.open(dir.resolve("chip"))))) {
            CvmView view = c.create(new OwnerId(owner.publicKey().keyId()), new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh(
                    "127.0.0.1", Optional.of(sshd.port()), OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapPrivateKey(),
                    Optional.of(sshd.authorizedKeys().toString())))));
            c.awaitProvisioning(Duration.ofSeconds(30));
            JsonNode controller = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.signedState(view.id(), Optional.empty()))
                    .path("payload").path("controller");
            assertThat(controller.path("tee").asText()).isEqualTo("sev-snp");
            assertThat(controller.path("simulated").isBoolean()).isTrue();
            assertThat(controller.path("simulated").asBoolean()).isTrue();
        }
    }
}
