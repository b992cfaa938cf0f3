package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.controller.internal.CvmRegistry.CvmRow;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.AzureVmSpec;
import dev.duet.provisioner.azure.Tee;
import dev.duet.provisioner.azure.VtpmCollector;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.provisioner.testing.ArmStandIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code azure} provider through the controller, against {@link ArmStandIn}, a loopback FAKE of
 * Azure Resource Manager (the cloud cannot be reached from here), for what happens before and
 * around the VM's evidence: a VM that cannot be reached, bypass paths, Azure's errors, deletes.
 * Adoption through the evidence itself is {@link AzureAdoptionTest}'s.
 */
class AzureProviderTest {
    private static final String CONTROLLER_ADDRESS = "198.51.100.7";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;
    private ArmStandIn arm;
    private AzureSupport support;
    private Controller controller;
    private OwnerId owner;

    @BeforeEach
    void open() throws Exception {
        arm = ArmStandIn.start();
        // The VM's address is loopback and its SSH port one nothing listens on: the connection is refused at once.
        arm.answerAddress("127.0.0.1");
        support = new AzureSupport(AzureCloud.connect(ArmStandIn.SUBSCRIPTION, arm.environment(), arm.credential(), arm.httpClient()),
                "westeurope", CONTROLLER_ADDRESS, new AzureSupport.Guest(closedPort(), AzureProvider.ADMIN, List.of(), VtpmCollector.Options.azure(),
                        AmdTrust.amd(), IntelTrust.intel(), pck -> {
                            throw new IOException("no collateral in this test");
                        }, false));
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        controller = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(key.publicKey())),
                d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), Optional.of(support), SelfAttestation.none());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @AfterEach
    void close() throws Exception {
        controller.close();
        arm.close();
    }

    private CvmView create(String tee) throws ControllerException {
        return controller.create(owner, new CreateRequest("azure", "vm-1", Optional.empty(),
                Optional.of(new CreateRequest.Azure(Optional.of(tee), Optional.empty()))));
    }

    private CvmView settled(String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        CvmView view = controller.get(id);
        while (view.mode() == CvmMode.PROVISIONING && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
            view = controller.get(id);
        }
        return view;
    }

    private List<JsonNode> entries(String kind) throws Exception {
        return StreamSupport.stream(controller.logEntries(0, Optional.empty()).path("entries").spliterator(), false)
                .filter(e -> e.path("kind").asText().equals(kind)).toList();
    }

    private JsonNode sentVm() throws IOException {
        return arm.requests().stream().filter(r -> r.method().equals("PUT") && r.path().contains("/virtualMachines/")).findFirst()
                .orElseThrow().json();
    }

    /** A TDX VM is created as a DCesv5 confidential VM and, unreachable, fails closed like an SNP one. */
    @Test
    void aTdxVmIsCreatedAsDcesV5AndFailsClosedWhenUnreachable() throws Exception {
        CvmView view = create("tdx");
        assertThat(view.mode()).isEqualTo(CvmMode.PROVISIONING);
        CvmView done = settled(view.id());
        assertThat(sentVm().at("/properties/hardwareProfile/vmSize").asText()).isEqualTo("Standard_DC2es_v5");
        assertThat(sentVm().at("/properties/securityProfile/securityType").asText()).isEqualTo("ConfidentialVM");
        assertThat(done.mode()).isEqualTo(CvmMode.FAILED);
        assertThat(done.reason().orElseThrow()).startsWith("not adopted: ").contains("was deleted");
        assertThat(arm.resourcePaths()).isEmpty();
    }

    @Test
    void createAnswersAtOnceThenFailsClosedWhenTheVmCannotBeReachedAndLeavesNothingInAzure() throws Exception {
        CvmView view = create("snp");
        assertThat(view.mode()).isEqualTo(CvmMode.PROVISIONING);

        CvmView done = settled(view.id());

        assertThat(done.mode()).isEqualTo(CvmMode.FAILED);
        assertThat(done.reason().orElseThrow()).startsWith("not adopted: ").contains("127.0.0.1")
                .contains("its resource group duet-" + view.id() + " was deleted");
        assertThat(arm.resourcePaths()).isEmpty();
        JsonNode vm = sentVm().path("properties");
        assertThat(vm.at("/osProfile/linuxConfiguration/ssh/publicKeys/0/keyData").asText()).isEqualTo(view.controllerSshKey());
        assertThat(vm.at("/hardwareProfile/vmSize").asText()).isEqualTo("Standard_DC2as_v5");
        assertThat(new String(Base64.getDecoder().decode(vm.at("/osProfile/customData").asText()), StandardCharsets.UTF_8))
                .isEqualTo("#cloud-config\npackages:\n  - tpm2-tools\n");
        JsonNode started = entries("cvm.adoption-started").get(0).path("payload");
        assertThat(started.path("provider").asText()).isEqualTo("azure");
        assertThat(started.path("tee").asText()).isEqualTo("snp");
        assertThat(started.path("ssh_source").asText()).isEqualTo(CONTROLLER_ADDRESS);
        assertThat(started.path("guest_packages").toString()).isEqualTo("[\"tpm2-tools\"]");
        assertThat(started.path("image").asText()).isEqualTo("Canonical:0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm:latest");
        assertThat(entries("cvm.failed")).hasSize(1);
    }

    @Test
    void aBypassPathAtAdoptionIsRefusedNamedAndTheVmDeleted() throws Exception {
        arm.onVmCreated(path -> arm.seed(path + "/extensions/script", json(
                "{\"properties\":{\"publisher\":\"Microsoft.Azure.Extensions\",\"type\":\"CustomScript\"}}")));

        CvmView done = settled(create("snp").id());

        assertThat(done.mode()).isEqualTo(CvmMode.FAILED);
        assertThat(done.reason().orElseThrow()).startsWith("refused: the VM has a way in that bypasses the controller")
                .contains("CustomScript").contains("runs scripts as root");
        assertThat(entries("cvm.failed").get(0).path("payload").path("reason").asText()).contains("extension: script");
        assertThat(arm.resourcePaths()).isEmpty();
    }

    @Test
    void aFailedOperationFailsTheCvmWithAzuresReason() throws Exception {
        arm.failCreationOf("virtualMachines", "SkuNotAvailable", "Standard_DC2as_v5 is not available in westeurope");

        CvmView done = settled(create("snp").id());

        assertThat(done.mode()).isEqualTo(CvmMode.FAILED);
        assertThat(done.reason().orElseThrow()).contains("SkuNotAvailable").contains("was deleted");
        assertThat(arm.resourcePaths()).isEmpty();
    }

    @Test
    void stopDeletesWhatAFailedCleanupLeftAndIsRefusedWhileAzureDoesNotDeleteIt() throws Exception {
        arm.refuseGroupDeletes(2);
        CvmView done = settled(create("snp").id());
        assertThat(done.reason().orElseThrow()).contains("stopping the CVM deletes it");
        assertThat(arm.resourcePaths()).isNotEmpty();

        assertThatThrownBy(() -> controller.stop(owner, done.id())).isInstanceOfSatisfying(ControllerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ControllerException.Kind.CONFLICT);
            assertThat(e.getMessage()).contains("is not stopped").contains("another operation on this resource group is in progress");
        });
        assertThat(controller.get(done.id()).mode()).isEqualTo(CvmMode.FAILED);
        controller.stop(owner, done.id());

        assertThat(arm.resourcePaths()).isEmpty();
        assertThat(entries("cvm.stopped").get(0).path("payload").has("vm")).isTrue();
    }

    @Test
    void theSwitchHookRefusesEachBypassPathAndPassesAVmWithout() throws Exception {
        String id = "cvm-00000000000000aa";
        String key = SshKeys.authorizedKeyLine(SshKeys.generateEd25519().getPublic(), "k");
        support.cloud().create(new AzureVmSpec(AzureProvider.resourceGroup(id), id, "westeurope", Tee.SNP, Tee.SNP.defaultSize(),
                AzureProvider.ADMIN, key, CONTROLLER_ADDRESS));
        AzureProvider provider = new AzureProvider(Optional.of(support), null, java.time.Clock.systemUTC());
        CvmRow row = new CvmRow(id, "t", ProviderKind.AZURE, AzureProvider.resourceGroup(id), 22, "duet", "bound by attestation",
                Optional.empty(), "/home/duet/.ssh/authorized_keys", CvmMode.IN_UPDATE, Optional.empty(), new byte[0], key,
                Optional.empty(), Optional.empty(), false);
        provider.refuseBypass(row);

        String vm = "/subscriptions/" + ArmStandIn.SUBSCRIPTION + "/resourceGroups/" + AzureProvider.resourceGroup(id)
                + "/providers/Microsoft.Compute/virtualMachines/" + id;
        arm.seed(vm + "/runCommands/fix", json("{\"properties\":{\"source\":{\"script\":\"id\"}}}"));

        assertThatThrownBy(() -> provider.refuseBypass(row)).isInstanceOfSatisfying(ControllerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ControllerException.Kind.BYPASS_PRESENT);
            assertThat(e.getMessage()).contains("run command").contains("fix");
        });
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
