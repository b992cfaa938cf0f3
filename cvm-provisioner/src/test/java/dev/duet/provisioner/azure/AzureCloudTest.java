package dev.duet.provisioner.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.provisioner.testing.ArmStandIn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Azure calls against {@link ArmStandIn}, a loopback FAKE of Resource Manager (the cloud cannot
 * be reached from here): what the SDK sends is what Azure would receive, and what the stand-in
 * answers has the shapes Azure documents; whether Azure itself accepts these bodies is not proved here.
 */
class AzureCloudTest {
    private static final String GROUP = "duet-cvm-0123456789abcdef";
    private static final String VM = "cvm-0123456789abcdef";
    private static final String CONTROLLER = "198.51.100.7";

    private ArmStandIn arm;
    private AzureCloud cloud;
    private String key;

    @BeforeEach
    void start() throws Exception {
        arm = ArmStandIn.start();
        cloud = AzureCloud.connect(ArmStandIn.SUBSCRIPTION, arm.environment(), arm.credential(), arm.httpClient());
        key = SshKeys.authorizedKeyLine(SshKeys.generateEd25519().getPublic(), "duet-controller-" + VM);
    }

    @AfterEach
    void stop() {
        arm.close();
    }

    private AzureVmSpec spec(Tee tee) {
        return new AzureVmSpec(GROUP, VM, "westeurope", tee, tee.defaultSize(), "duet", key, CONTROLLER);
    }

    private JsonNode sent(String method, String pathPart) {
        return arm.requests().stream().filter(r -> r.method().equals(method) && r.path().contains(pathPart)).reduce((a, b) -> b)
                .orElseThrow().json();
    }

    @Test
    void createSendsAConfidentialVmWithTheControllersKeyOnlyAndSshOnlyFromTheController() throws Exception {
        AzureCloud.Created created = cloud.create(spec(Tee.SNP));

        assertThat(created.resourceGroup()).isEqualTo(GROUP);
        assertThat(created.publicAddress()).contains(ArmStandIn.PUBLIC_ADDRESS);
        JsonNode vm = sent("PUT", "/virtualMachines/" + VM).path("properties");
        assertThat(vm.at("/hardwareProfile/vmSize").asText()).isEqualTo("Standard_DC2as_v5");
        assertThat(vm.at("/securityProfile/securityType").asText()).isEqualTo("ConfidentialVM");
        assertThat(vm.at("/securityProfile/uefiSettings/vTpmEnabled").asBoolean()).isTrue();
        assertThat(vm.at("/securityProfile/uefiSettings/secureBootEnabled").asBoolean()).isTrue();
        assertThat(vm.at("/storageProfile/osDisk/managedDisk/securityProfile/securityEncryptionType").asText()).isEqualTo("VMGuestStateOnly");
        assertThat(vm.at("/storageProfile/imageReference/offer").asText()).isEqualTo("0001-com-ubuntu-confidential-vm-jammy");
        assertThat(vm.at("/osProfile/linuxConfiguration/disablePasswordAuthentication").asBoolean()).isTrue();
        assertThat(vm.at("/osProfile/adminPassword").isMissingNode()).isTrue();
        assertThat(vm.at("/osProfile/allowExtensionOperations").asBoolean(true)).isFalse();
        assertThat(vm.at("/osProfile/linuxConfiguration/ssh/publicKeys")).hasSize(1);
        assertThat(vm.at("/osProfile/linuxConfiguration/ssh/publicKeys/0/keyData").asText()).isEqualTo(key);
        assertThat(vm.at("/osProfile/linuxConfiguration/ssh/publicKeys/0/path").asText()).isEqualTo("/home/duet/.ssh/authorized_keys");
        assertThat(vm.at("/diagnosticsProfile/bootDiagnostics/enabled").asBoolean(true)).isFalse();

        JsonNode rules = sent("PUT", "/networkSecurityGroups/").at("/properties/securityRules");
        assertThat(rules).hasSize(1);
        JsonNode rule = rules.get(0).path("properties");
        assertThat(rule.path("sourceAddressPrefix").asText()).isEqualTo(CONTROLLER);
        assertThat(rule.path("destinationPortRange").asText()).isEqualTo("22");
        assertThat(rule.path("access").asText()).isEqualTo("Allow");
        assertThat(rule.path("direction").asText()).isEqualTo("Inbound");
        assertThat(rule.path("protocol").asText()).isEqualTo("Tcp");
        // Every resource went through a long-running operation the SDK polled to its end.
        assertThat(arm.requests().stream().filter(r -> r.path().startsWith("/operations/")).count()).isGreaterThanOrEqualTo(10);
        assertThat(cloud.bypassPaths(GROUP, VM)).isEmpty();
    }

    @Test
    void tdxUsesTheDcesv5Size() throws Exception {
        cloud.create(spec(Tee.TDX));

        assertThat(sent("PUT", "/virtualMachines/" + VM).at("/properties/hardwareProfile/vmSize").asText()).isEqualTo("Standard_DC2es_v5");
    }

    @Test
    void aLongRunningOperationThatFailsIsAFailureWithAzuresReason() {
        arm.failCreationOf("virtualMachines", "SkuNotAvailable", "Standard_DC2as_v5 is not available in westeurope");

        assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessageContaining("create confidential VM " + VM + " failed")
                .hasMessageContaining("SkuNotAvailable")
                .hasMessageContaining("Standard_DC2as_v5 is not available in westeurope");
    }

    @Test
    void deleteRemovesEveryResourceCreatedAndSaysWhich() throws Exception {
        cloud.create(spec(Tee.SNP));

        List<String> deleted = cloud.delete(GROUP);

        assertThat(deleted).anyMatch(id -> id.endsWith("/virtualMachines/" + VM)).anyMatch(id -> id.endsWith("/networkInterfaces/duet-nic"))
                .anyMatch(id -> id.endsWith("/publicIPAddresses/duet-ip")).anyMatch(id -> id.endsWith("/virtualNetworks/duet-vnet"))
                .anyMatch(id -> id.endsWith("/networkSecurityGroups/duet-nsg"));
        assertThat(arm.resourcePaths()).isEmpty();
        assertThat(cloud.delete(GROUP)).as("a group already gone").isEmpty();
    }

    @Test
    void eachBypassPathIsNamed() throws Exception {
        cloud.create(spec(Tee.SNP));
        String vmPath = "/subscriptions/" + ArmStandIn.SUBSCRIPTION + "/resourceGroups/" + GROUP + "/providers/Microsoft.Compute/virtualMachines/" + VM;
        ObjectMapper json = new ObjectMapper();
        ObjectNode vm = arm.resource(vmPath).orElseThrow();
        vm.with("properties").with("osProfile").with("linuxConfiguration").put("disablePasswordAuthentication", false);
        vm.with("properties").with("osProfile").put("allowExtensionOperations", true);
        vm.with("properties").with("diagnosticsProfile").with("bootDiagnostics").put("enabled", true);
        arm.seed(vmPath + "/extensions/reset", (ObjectNode) json.readTree(
                "{\"properties\":{\"publisher\":\"Microsoft.OSTCExtensions\",\"type\":\"VMAccessForLinux\"}}"));
        arm.seed(vmPath + "/extensions/script", (ObjectNode) json.readTree(
                "{\"properties\":{\"publisher\":\"Microsoft.Azure.Extensions\",\"type\":\"CustomScript\"}}"));
        arm.seed(vmPath + "/extensions/other", (ObjectNode) json.readTree(
                "{\"properties\":{\"publisher\":\"Example.Vendor\",\"type\":\"SomethingNew\"}}"));
        arm.seed(vmPath + "/runCommands/fix", (ObjectNode) json.readTree("{\"properties\":{\"source\":{\"script\":\"id\"}}}"));

        List<String> paths = cloud.bypassPaths(GROUP, VM);

        assertThat(paths).hasSize(7);
        assertThat(paths).anyMatch(p -> p.startsWith("password authentication"))
                .anyMatch(p -> p.startsWith("extension operations"))
                .anyMatch(p -> p.startsWith("serial console"))
                .anyMatch(p -> p.startsWith("run command") && p.contains("fix"))
                .anyMatch(p -> p.contains("VMAccessForLinux") && p.contains("resets SSH keys"))
                .anyMatch(p -> p.contains("CustomScript") && p.contains("runs scripts"))
                .anyMatch(p -> p.contains("SomethingNew") && p.contains("default deny"));
    }

    @Test
    void throttledCallsAreRetriedAfterRetryAfter() throws Exception {
        arm.throttle(2);

        cloud.create(spec(Tee.SNP));

        assertThat(arm.throttled()).isEqualTo(2);
        assertThat(arm.resourcePaths()).anyMatch(p -> p.endsWith("/virtualmachines/" + VM));
    }

    /** An answer cut short, wherever it comes, fails the step that got it in words a user reads, and nothing runs on after it. */
    @Test
    void anAnswerCutShortFailsItsStepSaidPlainly() {
        Map<String, String> cuts = Map.of("/resourcegroups/" + GROUP,
                "create resource group " + GROUP + " failed: Azure answered HTTP 200 with a body that is not what Azure documents",
                "/resourcegroups/" + GROUP + "/providers/microsoft.network/networksecuritygroups/",
                "create network security group failed: Azure's answer held nothing readable (cut short, or not what Azure documents)",
                "/virtualmachines/" + VM.toLowerCase(java.util.Locale.ROOT),
                "create confidential VM " + VM + " failed: Azure's answer held nothing readable (cut short, or not what Azure documents)");
        for (Map.Entry<String, String> cut : cuts.entrySet()) {
            arm.cutAnswerTo(cut.getKey());
            assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class).hasMessage(cut.getValue());
        }
        arm.cutAnswerTo("/operations/");
        assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessageStartingWith("create network security group failed: Azure answered HTTP 200")
                .hasMessageNotContaining("Exception");
    }

    /** The VM's resource id and its vmId (which the HCL's runtime claims must name) are what custody is bound to. */
    @Test
    void aVmAnswerWithoutItsIdsFailsTheCreate() {
        String vmPath = "/virtualmachines/" + VM.toLowerCase(java.util.Locale.ROOT);
        arm.answer(vmPath, "{\"name\": \"" + VM + "\", \"location\": \"westeurope\", \"properties\": {\"vmId\": \"u-1\"}}", 0, 1);
        assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessage("create confidential VM " + VM + " failed: Azure's answer lacks its id");
        arm.answer(vmPath, "{\"id\": \"/subscriptions/s/resourceGroups/" + GROUP + "/providers/Microsoft.Compute/virtualMachines/" + VM
                + "\", \"name\": \"" + VM + "\", \"location\": \"westeurope\", \"properties\": {}}", 0, 1);
        assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessage("create confidential VM " + VM + " failed: Azure's answer lacks its vmId");
    }

    @Test
    void aConnectionThatKeepsBreakingOffMidAnswerIsSaidSo() {
        // More times than the SDK retries a broken connection.
        arm.answer("/resourcegroups/" + GROUP, "{\"id\": \"/subscriptions/", 500, 10);

        assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessageStartingWith("create resource group " + GROUP + " failed: the connection to Azure broke off (")
                .hasMessageNotContaining("Exception");
    }

    /** An item ARM lists but does not describe fails the read of the VM's bypass paths: nothing is judged on a list with a hole. */
    @Test
    void aListWithAnEmptyItemFailsItsStep() throws Exception {
        cloud.create(spec(Tee.SNP));
        arm.answer("/virtualmachines/" + VM.toLowerCase(java.util.Locale.ROOT) + "/extensions", "{\"value\": [null]}", 0, 1);

        assertThatThrownBy(() -> cloud.bypassPaths(GROUP, VM)).isInstanceOf(AzureFailure.class)
                .hasMessage("list the VM's extensions failed: Azure's answer lists an item it does not describe (null)");
        arm.answer("/virtualmachines/" + VM.toLowerCase(java.util.Locale.ROOT) + "/runcommands", "{\"value\": [null]}", 0, 1);
        assertThatThrownBy(() -> cloud.bypassPaths(GROUP, VM)).isInstanceOf(AzureFailure.class)
                .hasMessage("list the VM's run commands failed: Azure's answer lists an item it does not describe (null)");
        arm.answer("/virtualmachines/" + VM.toLowerCase(java.util.Locale.ROOT) + "/extensions", "{}", 0, 1);
        assertThat(cloud.bypassPaths(GROUP, VM)).as("no list at all is no extension").isEmpty();
    }

    /** A credential Azure refuses is said as a sign-in failure, in Azure's words, with secrets struck out. */
    @Test
    void aSignInFailureIsSaidAsOne() {
        AzureCloud refused = AzureCloud.connect(ArmStandIn.SUBSCRIPTION, arm.environment(), request -> reactor.core.publisher.Mono.error(
                new com.azure.core.exception.ClientAuthenticationException("AADSTS7000215: Invalid client secret provided.", null)),
                arm.httpClient());

        assertThatThrownBy(() -> refused.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessage("create resource group " + GROUP + " failed: signing in to Azure failed: AADSTS7000215: Invalid client secret provided.");
    }

    @Test
    void aCredentialQuotedInAzuresErrorNeverReachesTheFailure() {
        arm.failCreationOf("networkInterfaces", "InternalError", "request with {authorization} failed");

        assertThatThrownBy(() -> cloud.create(spec(Tee.SNP))).isInstanceOf(AzureFailure.class)
                .hasMessageContaining("create network interface failed")
                .hasMessageContaining("[redacted]")
                .hasMessageNotContaining(ArmStandIn.TOKEN);
    }
}
