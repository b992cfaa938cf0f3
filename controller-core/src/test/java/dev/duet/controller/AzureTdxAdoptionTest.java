package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.SimulatedDcap;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.snp.AmdTrust;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.HostKeyEvidence;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.azure.AzureCloud;
import dev.duet.provisioner.azure.VtpmCollector;
import dev.duet.provisioner.testing.ArmStandIn;
import dev.duet.provisioner.testing.AzureGuestStandIn;
import dev.duet.provisioner.testing.HclReports;
import dev.duet.provisioner.testing.OpenSshServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
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
 * An Azure TDX CVM adopted through its vTPM evidence, with the STAND-INS of {@link AzureAdoptionTest}
 * (a loopback fake of Resource Manager, Debian's sshd as the VM, swtpm as its vTPM) and, for Intel,
 * {@link SimulatedDcap}: a locally generated DCAP chain whose TD report sits in the HCL report, whose
 * quoting the loopback IMDS's {@code /acc/tdquote} plays, and whose signed collateral the
 * controller's collateral source gives. The controller is told in code to trust the simulated root;
 * by default it trusts Intel's only, and then the same VM is refused. Nothing here says anything
 * about Intel hardware or Azure.
 */
class AzureTdxAdoptionTest {
    private static final byte[] MRTD = filled(48, 0x3d);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path shared;
    private static AzureGuestStandIn azure;
    private static SimulatedDcap dcap;

    @TempDir Path dir;
    private ArmStandIn arm;
    private Controller controller;
    private Ed25519KeyPair key;
    private OwnerId owner;

    @BeforeAll
    static void startGuest() throws Exception {
        azure = AzureGuestStandIn.start(shared, filled(48, 0x6d));
        dcap = SimulatedDcap.create(Instant.now());
        azure.tpm().writeHclReport(HclReports.buildTdx(azure.ak(), MRTD));
        HclReports.tdQuote(azure.thim(), dcap);
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
        key = Ed25519KeyPair.generate();
        owner = new OwnerId(key.publicKey().keyId());
    }

    @AfterEach
    void close() throws Exception {
        if (controller != null) {
            controller.close();
        }
        arm.close();
    }

    private void controllerWith(AzureSupport.Guest guest) throws Exception {
        AzureSupport support = new AzureSupport(AzureCloud.connect(ArmStandIn.SUBSCRIPTION, arm.environment(), arm.credential(),
                arm.httpClient()), "westeurope", "198.51.100.7", guest);
        controller = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(key.publicKey())),
                d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), Optional.of(support), SelfAttestation.none());
    }

    /** The stand-in guest, its evidence checked under the simulated roots with the simulated chain's collateral. */
    private static AzureSupport.Guest simulated(AzureSupport.IntelCollateral collateral) {
        return guest(azure.chip().trust(), dcap.trust(), collateral, true);
    }

    private static AzureSupport.Guest guest(AmdTrust amd, IntelTrust intel, AzureSupport.IntelCollateral collateral, boolean simulated) {
        String imds = "http://127.0.0.1:" + azure.thim().getAddress().getPort();
        return new AzureSupport.Guest(azure.sshd().port(), OpenSshServer.user(), List.of("true"), new VtpmCollector.Options(List.of(),
                azure.tpm().tcti(), URI.create(imds + HclReports.THIM_PATH), URI.create(imds + HclReports.TD_QUOTE_PATH),
                Duration.ofSeconds(30)), amd, intel, collateral, simulated);
    }

    private static Octets bundle() {
        return Octets.copyOf(dcap.collateralBundle(Instant.now()));
    }

    private CvmView createdAndSettled(String tee) throws Exception {
        CvmView view = controller.create(owner, new CreateRequest("azure", "vm-1", Optional.empty(),
                Optional.of(new CreateRequest.Azure(Optional.of(tee), Optional.empty()))));
        controller.awaitProvisioning(Duration.ofSeconds(90));
        return controller.get(view.id());
    }

    private List<JsonNode> entries(String kind) throws Exception {
        return StreamSupport.stream(controller.logEntries(0, Optional.empty()).path("entries").spliterator(), false)
                .filter(e -> e.path("kind").asText().equals(kind)).toList();
    }

    private static BundleVerdict verified(byte[] bundle, AttestationVerifier cvmVendor, Optional<String> nonce) {
        return BundleVerifier.verify(bundle, new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots(), cvmVendor, AppraisalPolicy.strict(),
                nonce, Optional.empty(), Instant.now()));
    }

    private static Check check(BundleVerdict verdict, Guarantee guarantee, String id) {
        return verdict.checksOf(guarantee).stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aTdxVmIsAdoptedWithItsCollateralLoggedAndUsersReCheckItOffline() throws Exception {
        controllerWith(simulated(pck -> bundle()));
        CvmView view = createdAndSettled("tdx");

        assertThat(view.reason()).isEmpty();
        assertThat(view.mode()).isEqualTo(CvmMode.IN_UPDATE);
        JsonNode attestation = entries("cvm.attestation").get(0).path("payload");
        assertThat(attestation.path("accepted").asBoolean()).isTrue();
        assertThat(attestation.path("simulated").asBoolean()).isTrue();
        assertThat(attestation.path("trust").asText()).contains("TDX TD report").contains(SimulatedDcap.TRUST_NAME);
        assertThat(attestation.path("checks").toString()).contains("tdx.report-match").contains("policy.tcb-status");
        JsonNode evidence = JSON.readTree(HexFormat.of().parseHex(attestation.path("evidence").asText()));
        assertThat(evidence.has("td_quote")).isTrue();
        assertThat(evidence.path("collateral").path("tcb_info").asText()).as("the collateral it was appraised against is logged")
                .contains(SimulatedDcap.FMSPC.hex().toUpperCase());

        CommandResult result = controller.runCommand(owner, SignedRequests.commandLine(view.id()), view.id(),
                new CommandRequest(List.of("echo", "td"), Optional.of(BigDecimal.valueOf(20))));
        assertThat(new String(Base64.getDecoder().decode(result.stdoutBase64()), StandardCharsets.UTF_8)).isEqualTo("td\n");

        byte[] body = "{\"mode\":\"in-service\"}".getBytes(StandardCharsets.UTF_8);
        OwnerRequest request = SignedRequests.signed(controller, key, "PUT", "/v1/cvms/" + view.id() + "/mode", body);
        controller.asOwner(request, SignedRequests.body(body), (o, b) -> controller.setMode(o, view.id(), "in-service"));
        assertThat(controller.get(view.id()).mode()).isEqualTo(CvmMode.IN_SERVICE);

        byte[] bundle = JSON.writeValueAsBytes(controller.bundle(view.id(), Optional.of("n-1"), OptionalLong.empty()));
        BundleVerdict intelOnly = verified(bundle, AttestationVerifier.vendorRoots(), Optional.of("n-1"));
        Check bound = check(intelOnly, Guarantee.CVM_GENUINE, "host key attestation");
        assertThat(bound.passed()).as(bound.detail()).isTrue();
        assertThat(bound.detail()).contains("SIMULATED Azure TDX evidence").contains("proves nothing about hardware");
        assertThat(check(intelOnly, Guarantee.CVM_GENUINE, "cvm.launch").passed()).as("the simulated root is not Intel's").isFalse();

        BundleVerdict simulatedNamed = verified(bundle, new AttestationVerifier(AmdTrust.amd(), dcap.trust(), SignatureCache.none()),
                Optional.of("n-1"));
        Check launch = check(simulatedNamed, Guarantee.CVM_GENUINE, "cvm.launch");
        assertThat(launch.passed()).as(launch.detail()).isTrue();
        assertThat(simulatedNamed.checksOf(Guarantee.CVM_GENUINE)).filteredOn(c -> c.id().equals("in-service attestation"))
                .isNotEmpty().allSatisfy(c -> assertThat(c.passed()).as(c.detail()).isTrue());
        Check fresh = check(simulatedNamed, Guarantee.CVM_GENUINE, "cvm.fresh");
        assertThat(fresh.passed()).as(fresh.detail()).isTrue();
        assertThat(check(simulatedNamed, Guarantee.FRESH, "cvm.fresh-binding").passed()).isTrue();
    }

    /**
     * Users' offline check of the logged launch evidence ({@link HostKeyEvidence#check}) on what the
     * controller logged and on changed copies of it: each change is refused, and the same evidence
     * labelled real is refused, since it does not chain to Intel's root.
     */
    @Test
    void usersOfflineCheckRefusesChangedOrRelabelledTdxEvidence() throws Exception {
        controllerWith(simulated(pck -> bundle()));
        CvmView view = createdAndSettled("tdx");
        assertThat(view.mode()).isEqualTo(CvmMode.IN_UPDATE);
        JsonNode logged = entries("cvm.attestation").get(0).path("payload");
        ObjectNode evidence = (ObjectNode) JSON.readTree(HexFormat.of().parseHex(logged.path("evidence").asText()));

        assertThat(offline(logged, evidence, true).passed()).as(offline(logged, evidence, true).detail()).isTrue();
        assertThat(offline(logged, evidence, false).detail()).as("labelled real, it must chain to Intel's root").contains("dcap.pck-chain");

        ObjectNode noCrl = evidence.deepCopy();
        ((ObjectNode) noCrl.get("collateral")).remove("pck_crl");
        assertThat(offline(logged, noCrl, true).detail()).contains("tdx.pck-revocation");

        ObjectNode noCollateral = evidence.deepCopy();
        noCollateral.remove("collateral");
        assertThat(offline(logged, noCollateral, true).detail()).contains("policy.tcb-status");

        ObjectNode otherReport = evidence.deepCopy();
        otherReport.put("td_quote", Base64.getUrlEncoder().withoutPadding().encodeToString(dcap.quote(SimulatedDcap.tdReport(new byte[64], MRTD))));
        assertThat(offline(logged, otherReport, true).detail()).contains("tdx.report-match");
    }

    private static Check offline(JsonNode logged, ObjectNode evidence, boolean simulated) throws Exception {
        Payload.Attestation attestation = new Payload.Attestation(logged.path("evidence_source").asText(), simulated, logged.path("trust").asText(),
                Octets.fromHex(logged.path("nonce").asText()), Octets.copyOf(JSON.writeValueAsBytes(evidence)), Octets.copyOf(new byte[0]),
                logged.path("presented_host_key").asText(), logged.path("host_key_pin").asText(), true, List.of(),
                Optional.of(logged.path("vm_id").asText()));
        return HostKeyEvidence.check(attestation, Optional.empty(), logged.path("presented_host_key").asText(), Instant.now());
    }

    @Test
    void theSameVmIsRefusedByAControllerThatTrustsIntelsRootOnly() throws Exception {
        controllerWith(guest(AmdTrust.amd(), IntelTrust.intel(), pck -> bundle(), false));

        CvmView view = createdAndSettled("tdx");

        assertFailedAndDeleted(view, "dcap.pck-chain");
        JsonNode attestation = entries("cvm.attestation").get(0).path("payload");
        assertThat(attestation.path("accepted").asBoolean()).isFalse();
        assertThat(attestation.path("simulated").asBoolean()).isFalse();
        assertThat(entries("cvm.adopted")).isEmpty();
    }

    @Test
    void withoutIntelsCollateralTheVmFailsClosedWithTheReason() throws Exception {
        controllerWith(simulated(pck -> {
            throw new IOException("api.trustedservices.intel.com: no answer");
        }));

        CvmView view = createdAndSettled("tdx");

        assertFailedAndDeleted(view, "api.trustedservices.intel.com: no answer");
        assertThat(entries("cvm.attestation")).isEmpty();
    }

    @Test
    void aVmAskedForAsSnpWhoseHclReportIsTdxIsRefused() throws Exception {
        controllerWith(simulated(pck -> bundle()));

        CvmView view = createdAndSettled("snp");

        assertFailedAndDeleted(view, "holds a tdx report, not the snp asked for");
        assertThat(entries("cvm.adopted")).isEmpty();
    }

    private void assertFailedAndDeleted(CvmView view, String why) {
        assertThat(view.mode()).isEqualTo(CvmMode.FAILED);
        assertThat(view.reason().orElseThrow()).contains(why).contains("its resource group duet-" + view.id() + " was deleted");
        assertThat(arm.resourcePaths()).isEmpty();
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
