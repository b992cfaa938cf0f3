package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.SimulatedDcap;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.provisioner.attest.SimulatedSnp;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.VtpmCollector;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.provisioner.testing.ArmStandIn;
import dev.duet.provisioner.testing.AzureGuestStandIn;
import dev.duet.provisioner.testing.HclReports;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Azure CVM adopted through its vTPM evidence, with real parts where they can run here and
 * STAND-INS where they cannot: {@link ArmStandIn} (a loopback fake of Resource Manager) answers the
 * VM's public address as 127.0.0.1, where Debian's sshd plays the VM; its "vTPM" is swtpm with the
 * real tpm2-tools, holding an HCL report from duet's SIMULATED SNP chip ({@link HclReports}) and the
 * attestation key its claims name; a loopback server plays IMDS's THIM. The controller is told in code
 * to trust the simulated root, as a test may; by default it trusts AMD's roots only, and then the same
 * evidence is refused. Nothing here says anything about hardware or about Azure itself.
 */
class AzureAdoptionTest {
    private static final byte[] MEASUREMENT = filled(48, 0x6d);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path shared;
    private static AzureGuestStandIn azure;

    @TempDir Path dir;
    private ArmStandIn arm;
    private Controller controller;
    private OwnerId owner;

    @BeforeAll
    static void startGuest() throws Exception {
        azure = AzureGuestStandIn.start(shared, MEASUREMENT);
    }

    @AfterAll
    static void stopGuest() throws Exception {
        if (azure != null) {
            azure.close();
        }
    }

    @BeforeEach
    void open() throws Exception {
        arm = ArmStandIn.start();
        azure.playTheVmOf(arm);
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        controllerWith(guest(List.of(), azure.chip().trust(), true), key);
    }

    private void controllerWith(AzureSupport.Guest guest, Ed25519KeyPair key) throws Exception {
        controllerAt(dir.resolve("data-" + System.nanoTime()), guest, key);
    }

    private void controllerAt(Path data, AzureSupport.Guest guest, Ed25519KeyPair key) throws Exception {
        if (controller != null) {
            controller.close();
        }
        AzureSupport support = new AzureSupport(AzureCloud.connect(ArmStandIn.SUBSCRIPTION, arm.environment(), arm.credential(),
                arm.httpClient()), "westeurope", "198.51.100.7", guest);
        controller = Controller.open(ControllerConfig.defaults(data, List.of(key.publicKey())),
                d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), Optional.of(support), SelfAttestation.none());
    }

    private static AzureSupport.Guest guest(List<String> asTpmUser, AmdTrust amd, boolean simulated) {
        // "true" stands for cloud-init's wait: the sshd's machine has no cloud-init, and its tools are installed already.
        return new AzureSupport.Guest(azure.sshd().port(), OpenSshServer.user(), List.of("true"), new VtpmCollector.Options(asTpmUser,
                azure.tpm().tcti(), HclReports.thimUri(azure.thim()),
                URI.create("http://127.0.0.1:" + azure.thim().getAddress().getPort() + HclReports.TD_QUOTE_PATH), Duration.ofSeconds(30)), amd,
                simulated ? SimulatedDcap.create(Instant.now()).trust() : IntelTrust.intel(), pck -> {
                    throw new IOException("an SNP guest has no TD quote");
                }, simulated);
    }

    @AfterEach
    void close() throws Exception {
        if (controller != null) {
            controller.close();
        }
        arm.close();
    }

    private CvmView createdAndSettled() throws Exception {
        CvmView view = controller.create(owner, new CreateRequest("azure", "vm-1", Optional.empty(),
                Optional.of(new CreateRequest.Azure(Optional.of("snp"), Optional.empty()))));
        assertThat(view.mode()).isEqualTo(CvmMode.PROVISIONING);
        controller.awaitProvisioning(Duration.ofSeconds(90));
        return controller.get(view.id());
    }

    private List<JsonNode> entries(String kind) throws Exception {
        return StreamSupport.stream(controller.logEntries(0, Optional.empty()).path("entries").spliterator(), false)
                .filter(e -> e.path("kind").asText().equals(kind)).toList();
    }

    @Test
    void aVmWhoseEvidenceBindsItsHostKeyReachesInUpdateAndRunsACommand() throws Exception {
        CvmView view = createdAndSettled();

        assertThat(view.reason()).isEmpty();
        assertThat(view.mode()).isEqualTo(CvmMode.IN_UPDATE);
        assertThat(view.hostKey()).contains(SshKeys.openSshPublicKey(SshKeys.parsePublicKey(azure.sshd().hostPublicKey())));
        JsonNode attestation = entries("cvm.attestation").get(0).path("payload");
        assertThat(attestation.path("evidence_source").asText()).isEqualTo("azure-vtpm");
        assertThat(attestation.path("vm_id").asText()).as("the VM Azure created, which the evidence names").isEqualTo(ArmStandIn.VM_UNIQUE_ID);
        assertThat(attestation.path("simulated").asBoolean()).isTrue();
        assertThat(attestation.path("accepted").asBoolean()).isTrue();
        assertThat(attestation.path("trust").asText()).contains(SimulatedSnp.TRUST_NAME);
        assertThat(attestation.path("checks").toString()).contains("vtpm.nonce").contains("hcl.claims-binding");
        assertThat(entries("cvm.adopted").get(0).path("payload").path("checks").toString()).contains("SIMULATED Azure vTPM evidence");
        assertThat(arm.resourcePaths()).as("the adopted VM is kept").isNotEmpty();

        CommandResult result = controller.runCommand(owner, SignedRequests.commandLine(view.id()), view.id(),
                new CommandRequest(List.of("echo", "hi"), Optional.of(BigDecimal.valueOf(20))));
        assertThat(result.exitStatus()).hasValue(0);
        assertThat(new String(Base64.getDecoder().decode(result.stdoutBase64()), StandardCharsets.UTF_8)).isEqualTo("hi\n");

        // What a user re-checks offline from the bundle: the logged evidence binds the adopted host key, labelled simulated.
        byte[] bundle = JSON.writeValueAsBytes(controller.bundle(view.id(), Optional.empty(), OptionalLong.empty()));
        BundleVerdict amdOnly = BundleVerifier.verify(bundle, trust(AttestationVerifier.vendorRoots()));
        Check bound = amdOnly.checksOf(Guarantee.CVM_GENUINE).stream().filter(c -> c.id().equals("host key attestation")).findFirst()
                .orElseThrow();
        assertThat(bound.passed()).as(bound.detail()).isTrue();
        assertThat(bound.detail()).contains("SIMULATED Azure vTPM evidence").contains("proves nothing about hardware");
        assertThat(launchCheck(amdOnly).passed()).as("the simulated root is not AMD's").isFalse();
        BundleVerdict simulatedNamed = BundleVerifier.verify(bundle, trust(new AttestationVerifier(azure.chip().trust(), IntelTrust.intel(),
                SignatureCache.none())));
        assertThat(launchCheck(simulatedNamed).passed()).as(launchCheck(simulatedNamed).detail()).isTrue();

        controller.stop(owner, view.id());
        assertThat(arm.resourcePaths()).isEmpty();
    }

    /** A restart keeps an adopted Azure CVM in custody: the next command reconnects to its address under the pinned host key. */
    @Test
    void anAdoptedVmStaysInCustodyAcrossARestart() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        Path data = dir.resolve("restarted");
        controllerAt(data, guest(List.of(), azure.chip().trust(), true), key);
        CvmView view = createdAndSettled();
        assertThat(view.mode()).isEqualTo(CvmMode.IN_UPDATE);

        controllerAt(data, guest(List.of(), azure.chip().trust(), true), key);

        assertThat(controller.get(view.id()).mode()).isEqualTo(CvmMode.IN_UPDATE);
        CommandResult result = controller.runCommand(owner, SignedRequests.commandLine(view.id()), view.id(),
                new CommandRequest(List.of("echo", "again"), Optional.of(BigDecimal.valueOf(20))));
        assertThat(result.exitStatus()).hasValue(0);
        assertThat(new String(Base64.getDecoder().decode(result.stdoutBase64()), StandardCharsets.UTF_8)).isEqualTo("again\n");
        assertThat(entries("cvm.attestation")).as("no second adoption").hasSize(1);
        controller.stop(owner, view.id());
        assertThat(arm.resourcePaths()).isEmpty();
    }

    /**
     * The switch to in-service re-attests through a fresh quote whose qualifying data is the SHA-256
     * form of the fresh binding (host key, nonce, log head); a bundle asked with a nonce carries fresh
     * evidence a user re-verifies, and the logged re-attestation verifies too.
     */
    @Test
    void theSwitchToInServiceReAttestsThroughTheVtpmAndUsersCheckTheFreshEvidence() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        controllerWith(guest(List.of(), azure.chip().trust(), true), key);
        String id = createdAndSettled().id();
        assertThat(controller.get(id).mode()).isEqualTo(CvmMode.IN_UPDATE);

        byte[] body = "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8);
        OwnerRequest request = SignedRequests.signed(controller, key, "PUT", "/v1/cvms/" + id + "/mode", body);
        controller.asOwner(request, SignedRequests.body(body), (o, b) -> controller.setMode(o, id, "in-service"));

        assertThat(controller.get(id).mode()).isEqualTo(CvmMode.IN_SERVICE);
        JsonNode reAttestation = entries("mode.changed").stream().map(e -> e.path("payload").path("re_attestation"))
                .filter(JsonNode::isObject).findFirst().orElseThrow();
        assertThat(reAttestation.path("evidence_source").asText()).isEqualTo("azure-vtpm");
        assertThat(reAttestation.path("report_data").asText()).hasSize(64);
        byte[] bundle = JSON.writeValueAsBytes(controller.bundle(id, Optional.of("n-1"), OptionalLong.empty()));
        BundleVerdict verdict = BundleVerifier.verify(bundle, new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots(),
                new AttestationVerifier(azure.chip().trust(), IntelTrust.intel(), SignatureCache.none()), AppraisalPolicy.strict(), Optional.of("n-1"),
                Optional.empty(), Instant.now()));
        assertThat(verdict.checksOf(Guarantee.CVM_GENUINE)).filteredOn(c -> c.id().equals("in-service attestation"))
                .isNotEmpty().allSatisfy(c -> assertThat(c.passed()).as(c.detail()).isTrue());
        assertThat(verdict.checksOf(Guarantee.FRESH)).filteredOn(c -> c.id().equals("cvm.fresh-binding"))
                .singleElement().satisfies(c -> assertThat(c.passed()).as(c.detail()).isTrue());
        assertThat(verdict.checksOf(Guarantee.CVM_GENUINE)).filteredOn(c -> c.id().equals("cvm.fresh"))
                .singleElement().satisfies(c -> assertThat(c.passed()).as(c.detail()).isTrue());
        assertThat(verdict.checksOf(Guarantee.CVM_GENUINE)).filteredOn(c -> c.id().equals("cvm.fresh.source"))
                .singleElement().satisfies(c -> assertThat(c.detail()).contains("azure-vtpm evidence, as the launch promised"));
        BundleVerdict otherNonce = BundleVerifier.verify(bundle, new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots(),
                new AttestationVerifier(azure.chip().trust(), IntelTrust.intel(), SignatureCache.none()), AppraisalPolicy.strict(), Optional.of("n-2"),
                Optional.empty(), Instant.now()));
        assertThat(otherNonce.checksOf(Guarantee.FRESH)).filteredOn(c -> c.id().equals("cvm.fresh-binding"))
                .singleElement().satisfies(c -> assertThat(c.passed()).as("a bundle for another nonce is stale").isFalse());
    }

    private static BundleTrust trust(AttestationVerifier cvmVendor) {
        return new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots(), cvmVendor, AppraisalPolicy.strict(), Optional.empty(),
                Optional.empty(), Instant.now());
    }

    private static Check launchCheck(BundleVerdict verdict) {
        return verdict.checksOf(Guarantee.CVM_GENUINE).stream().filter(c -> c.id().equals("cvm.launch")).findFirst().orElseThrow();
    }

    @Test
    void evidenceUnderTheSimulatedRootIsRefusedWhenTheControllerTrustsOnlyAmd() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        controllerWith(guest(List.of(), AmdTrust.amd(), false), key);

        CvmView view = createdAndSettled();

        assertFailedAndDeleted(view, "snp.chain");
        JsonNode attestation = entries("cvm.attestation").get(0).path("payload");
        assertThat(attestation.path("accepted").asBoolean()).isFalse();
        assertThat(attestation.path("simulated").asBoolean()).isFalse();
    }

    @Test
    void aQuoteByAKeyOtherThanTheClaimsOneFailsAndTheGroupIsDeleted() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        azure.tpm().writeHclReport(HclReports.build(azure.chip(), (RSAPublicKey) rsa.generateKeyPair().getPublic(), MEASUREMENT));
        try {
            CvmView view = createdAndSettled();
            assertFailedAndDeleted(view, "vtpm.quote-signature");
            assertThat(entries("cvm.attestation").get(0).path("payload").path("accepted").asBoolean()).isFalse();
            assertThat(entries("cvm.adopted")).isEmpty();
        } finally {
            azure.tpm().writeHclReport(HclReports.build(azure.chip(), azure.ak(), MEASUREMENT));
        }
    }

    /** Genuine evidence, binding the key presented, but from another VM than the one Azure created: a relay, refused. */
    @Test
    void evidenceFromAnotherVmThanTheCreatedOneFailsAndTheGroupIsDeleted() throws Exception {
        azure.tpm().writeHclReport(HclReports.build(azure.chip(), azure.ak(), MEASUREMENT, "0B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9"));
        try {
            CvmView view = createdAndSettled();
            assertFailedAndDeleted(view, "azure.vm-id");
            JsonNode attestation = entries("cvm.attestation").get(0).path("payload");
            assertThat(attestation.path("accepted").asBoolean()).isFalse();
            assertThat(attestation.path("checks").toString()).contains("vmUniqueId " + ArmStandIn.VM_UNIQUE_ID);
            assertThat(entries("cvm.adopted")).isEmpty();
        } finally {
            azure.tpm().writeHclReport(HclReports.build(azure.chip(), azure.ak(), MEASUREMENT));
        }
    }

    @Test
    void aVmAskedForAsTdxWhoseHclReportIsSnpIsRefused() throws Exception {
        CvmView view = controller.create(owner, new CreateRequest("azure", "vm-1", Optional.empty(),
                Optional.of(new CreateRequest.Azure(Optional.of("tdx"), Optional.empty()))));
        controller.awaitProvisioning(Duration.ofSeconds(90));

        assertFailedAndDeleted(controller.get(view.id()), "holds a snp report, not the tdx asked for");
        assertThat(entries("cvm.attestation")).isEmpty();
    }

    @Test
    void aGuestWithoutTpm2ToolsFailsAndTheGroupIsDeleted() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
        controllerWith(guest(List.of("env", "PATH=/nonexistent"), azure.chip().trust(), true), key);

        CvmView view = createdAndSettled();

        assertFailedAndDeleted(view, "exit status 127");
        assertThat(entries("cvm.attestation")).isEmpty();
    }

    @Test
    void aBypassPathFailsBeforeTheVmIsContacted() throws Exception {
        arm.onVmCreated(path -> arm.seed(path + "/extensions/access", json(
                "{\"properties\":{\"publisher\":\"Microsoft.OSTCExtensions\",\"type\":\"VMAccessForLinux\"}}")));

        CvmView view = createdAndSettled();

        assertFailedAndDeleted(view, "refused: the VM has a way in that bypasses the controller");
        assertThat(entries("cvm.attestation")).isEmpty();
    }

    private void assertFailedAndDeleted(CvmView view, String why) {
        assertThat(view.mode()).isEqualTo(CvmMode.FAILED);
        assertThat(view.reason().orElseThrow()).contains(why).contains("its resource group duet-" + view.id() + " was deleted");
        assertThat(arm.resourcePaths()).isEmpty();
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
