package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;
import dev.duet.provisioner.testing.ArmStandIn;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bypass check at the switch to {@code in-service}, through the owner's signed request, the
 * mode switch and the refusal's log entry. This test takes a machine adopted over SSH (Debian's sshd
 * on loopback) and rewrites its provider in the store to {@code azure}, so that the bypass refusal is
 * the switch's only obstacle (an Azure CVM adopted through its vTPM evidence and switched with fresh
 * vTPM evidence is {@link AzureAdoptionTest}'s). Its VM is in {@link ArmStandIn}, a loopback FAKE of
 * Azure Resource Manager.
 */
class AzureSwitchBypassTest {
    @TempDir Path dir;

    @Test
    void aRunCommandOnTheVmRefusesTheSwitchToInServiceNamesItAndLogsTheRefusal() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        OwnerId owner = new OwnerId(key.publicKey().keyId());
        try (ArmStandIn arm = ArmStandIn.start(); OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            AzureSupport support = new AzureSupport(AzureCloud.connect(ArmStandIn.SUBSCRIPTION, arm.environment(), arm.credential(),
                    arm.httpClient()), "westeurope", "198.51.100.7", dir.resolve("intel-collateral"));
            try (Controller c = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(key.publicKey())),
                    d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), Optional.of(support), SelfAttestation.none())) {
                CvmView view = c.create(owner, new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1",
                        Optional.of(sshd.port()), OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapPrivateKey(),
                        Optional.of(sshd.authorizedKeys().toString())))));
                c.awaitProvisioning(Duration.ofSeconds(60));
                assertThat(c.get(view.id()).mode()).isEqualTo(CvmMode.IN_UPDATE);
                String id = view.id();
                try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve("duet.db"));
                        PreparedStatement update = db.prepareStatement("UPDATE cvms SET provider = 'azure' WHERE id = ?")) {
                    update.setString(1, id);
                    assertThat(update.executeUpdate()).isEqualTo(1);
                }
                support.cloud().create(new AzureVmSpec(AzureProvider.resourceGroup(id), id, "westeurope", Tee.SNP, Tee.SNP.defaultSize(),
                        AzureProvider.ADMIN, view.controllerSshKey(), "198.51.100.7"));
                arm.seed("/subscriptions/" + ArmStandIn.SUBSCRIPTION + "/resourceGroups/" + AzureProvider.resourceGroup(id)
                        + "/providers/Microsoft.Compute/virtualMachines/" + id + "/runCommands/fix",
                        (ObjectNode) new ObjectMapper().readTree("{\"properties\":{\"source\":{\"script\":\"id\"}}}"));

                byte[] body = "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8);
                OwnerRequest request = SignedRequests.signed(c, key, "PUT", "/v1/cvms/" + id + "/mode", body);
                assertThatThrownBy(() -> c.asOwner(request, SignedRequests.body(body), (o, b) -> c.setMode(o, id, "in-service")))
                        .isInstanceOfSatisfying(ControllerException.class, e -> {
                            assertThat(e.kind()).isEqualTo(ControllerException.Kind.BYPASS_PRESENT);
                            assertThat(e.getMessage()).contains("run command: managed Run Command resource fix");
                        });

                assertThat(c.get(id).mode()).isEqualTo(CvmMode.IN_UPDATE);
                JsonNode refused = null;
                for (JsonNode entry : c.logEntries(0, Optional.empty()).path("entries")) {
                    if (entry.path("kind").asText().equals("request.refused")) {
                        refused = entry;
                    }
                }
                assertThat(refused).isNotNull();
                assertThat(refused.path("subject").asText()).isEqualTo(id);
                assertThat(refused.path("payload").path("refusal").asText()).isEqualTo("bypass-present");
                assertThat(refused.path("payload").path("reason").asText()).contains("Run Command resource fix");
            }
        }
    }
}
