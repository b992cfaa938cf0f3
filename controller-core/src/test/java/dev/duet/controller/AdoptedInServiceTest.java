package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine adopted over SSH (Debian's sshd on loopback) has no TEE interface the controller can
 * ask: its switch to in-service proceeds and the entry says that no fresh evidence exists, and a
 * fresh report for it is refused with a typed reason, as are unknown CVMs and bad nonces.
 */
class AdoptedInServiceTest {
    @TempDir Path dir;

    @Test
    void theSwitchOfAnAdoptedMachineLogsThatNoFreshEvidenceExistsAndFreshReportsAreRefused() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        OwnerId id = new OwnerId(owner.publicKey().keyId());
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                Controller c = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(owner.publicKey())))) {
            CvmView view = c.create(id, new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1", Optional.of(sshd.port()),
                    OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapPrivateKey(), Optional.of(sshd.authorizedKeys().toString())))));
            c.awaitProvisioning(Duration.ofSeconds(60));
            assertThat(c.get(view.id()).mode()).isEqualTo(CvmMode.IN_UPDATE);

            c.setMode(id, view.id(), "in-service");
            assertThat(c.get(view.id()).mode()).isEqualTo(CvmMode.IN_SERVICE);
            JsonNode switched = last(c, "mode.changed");
            assertThat(switched.path("re_attestation").path("status").asText()).isEqualTo("unavailable");
            assertThat(switched.path("re_attestation").path("reason").asText()).contains("adopted over SSH").contains("no TEE interface");

            assertThatThrownBy(() -> c.freshEvidence(view.id(), "n-1")).isInstanceOfSatisfying(ControllerException.class, e -> {
                assertThat(e.kind()).isEqualTo(ControllerException.Kind.CONFLICT);
                assertThat(e.getMessage()).contains("no TEE interface").contains("adopted over SSH");
            });
            assertThatThrownBy(() -> c.freshEvidence("cvm-0000000000000000", "n-1")).isInstanceOfSatisfying(ControllerException.class,
                    e -> assertThat(e.kind()).isEqualTo(ControllerException.Kind.UNKNOWN_CVM));
            assertThatThrownBy(() -> c.freshEvidence(view.id(), "not a nonce")).isInstanceOfSatisfying(ControllerException.class,
                    e -> assertThat(e.kind()).isEqualTo(ControllerException.Kind.INVALID_REQUEST));

            c.setMode(id, view.id(), "in-update");
            assertThat(last(c, "mode.changed").has("re_attestation")).as("only a switch to in-service re-attests").isFalse();
            c.stop(id, view.id());
            assertThatThrownBy(() -> c.freshEvidence(view.id(), "n-1")).isInstanceOfSatisfying(ControllerException.class, e -> {
                assertThat(e.kind()).isEqualTo(ControllerException.Kind.CONFLICT);
                assertThat(e.getMessage()).contains("stopped");
            });
        }
    }

    private static JsonNode last(Controller c, String kind) throws ControllerException {
        JsonNode found = null;
        for (JsonNode entry : c.logEntries(0, Optional.empty()).path("entries")) {
            if (entry.path("kind").asText().equals(kind)) {
                found = entry.path("payload");
            }
        }
        assertThat(found).as("an entry of kind " + kind).isNotNull();
        return found;
    }
}
