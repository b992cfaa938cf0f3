package dev.duet.provisioner.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.duet.attestation.Check;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.azure.AzureEvidenceParser;
import dev.duet.attestation.azure.AzureVtpmVerifier;
import dev.duet.attestation.azure.VtpmHostKeyBinding;
import dev.duet.attestation.collateral.Collateral;
import dev.duet.attestation.intel.IntelTrust;
import dev.duet.attestation.intel.SimulatedDcap;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.x509.SignatureCache;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.provisioner.testing.AzureGuestStandIn;
import dev.duet.provisioner.testing.HclReports;
import dev.duet.provisioner.testing.OpenSshServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VtpmCollector} against real parts: Debian's sshd on loopback as the guest's SSH server,
 * swtpm with tpm2-tools as its vTPM, and a loopback HTTP server as IMDS's THIM endpoint. The HCL
 * report in the NV index is built here: an SNP report from duet's SIMULATED chip whose REPORT_DATA
 * is the SHA-256 of runtime claims naming swtpm's attestation key. All of it is a stand-in (the
 * keys are made here, nothing is hardware); what it shows is that the collection, the formats and
 * the verifier fit, and that the bindings fail where they must.
 */
class VtpmCollectorTest {
    @TempDir static Path dir;
    private static AzureGuestStandIn azure;
    private static final byte[] MEASUREMENT = filled(48, 0x4d);
    private static final byte[] MRTD = filled(48, 0x7d);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SimulatedDcap dcap;
    private static SshConnector connector;
    private static SshConnection guest;
    private static byte[] hostKey;

    @BeforeAll
    static void start() throws Exception {
        azure = AzureGuestStandIn.start(dir, MEASUREMENT);
        answer(azure.thim(), "/garbage", "{\"vcekCert\": 7}".getBytes(StandardCharsets.US_ASCII));
        answer(azure.thim(), "/not-pem", "{\"vcekCert\": \"MIIB\"}".getBytes(StandardCharsets.US_ASCII));
        answer(azure.thim(), "/huge", ("{\"vcekCert\": \"" + "A".repeat(100_000) + "\"}").getBytes(StandardCharsets.US_ASCII));
        dcap = SimulatedDcap.create(Instant.now());
        HclReports.tdQuote(azure.thim(), dcap);
        // IMDS answering with a genuine quote of another TD report, or with no quote at all.
        answer(azure.thim(), "/acc/other-report", ("{\"quote\": \"" + Base64.getUrlEncoder().encodeToString(dcap.quote(
                SimulatedDcap.tdReport(new byte[64], MRTD))) + "\"}").getBytes(StandardCharsets.US_ASCII));
        answer(azure.thim(), "/acc/no-quote", "{\"error\": \"busy\"}".getBytes(StandardCharsets.US_ASCII));
        answer(azure.thim(), "/acc/not-base64", "{\"quote\": \"!!\"}".getBytes(StandardCharsets.US_ASCII));
        KeyPair controllerKey = SshKeys.generateEd25519();
        Files.writeString(azure.sshd().authorizedKeys(), SshKeys.authorizedKeyLine(controllerKey.getPublic(), "duet") + "\n");
        hostKey = SshKeys.publicKeyBlob(SshKeys.parsePublicKey(azure.sshd().hostPublicKey()));
        connector = new SshConnector(Duration.ofSeconds(10));
        guest = connector.connect(new SshEndpoint("127.0.0.1", azure.sshd().port(), OpenSshServer.user()),
                HostKeyPin.parse(azure.sshd().hostPublicKey()), controllerKey);
    }

    private static void answer(HttpServer server, String path, byte[] body) {
        server.createContext(path, exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (guest != null) {
            guest.close();
        }
        if (connector != null) {
            connector.close();
        }
        if (azure != null) {
            azure.close();
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    /** The HCL report the stand-in's vTPM holds: the simulated chip's, naming {@code key} the attestation key. */
    static byte[] hcl(RSAPublicKey key) throws Exception {
        return HclReports.build(azure.chip(), key, MEASUREMENT);
    }

    private static VtpmCollector collector(List<String> asTpmUser) {
        return collector(asTpmUser, "/metadata/THIM/amd/certification");
    }

    private static VtpmCollector collector(List<String> asTpmUser, String thimPath) {
        return collector(asTpmUser, thimPath, HclReports.TD_QUOTE_PATH);
    }

    private static VtpmCollector collector(List<String> asTpmUser, String thimPath, String tdQuotePath) {
        String imds = "http://127.0.0.1:" + azure.thim().getAddress().getPort();
        return new VtpmCollector(new VtpmCollector.Options(asTpmUser, azure.tpm().tcti(), URI.create(imds + thimPath),
                URI.create(imds + tdQuotePath), Duration.ofSeconds(30)));
    }

    private static Verdict verify(VtpmEvidence evidence, Octets nonce) throws Exception {
        return new AzureVtpmVerifier(azure.chip().trust(), IntelTrust.intel(), SignatureCache.none()).verify(evidence.parse(), nonce,
                Collateral.none(), AppraisalPolicy.strictBinding(Octets.copyOf(new byte[64]), Optional.of(Octets.copyOf(MEASUREMENT))), Instant.now());
    }

    private static byte[] fresh() {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        return nonce;
    }

    @Test
    void collectedEvidenceVerifiesAgainstTheSimulatedRootAndBindsTheHostKey() throws Exception {
        Octets nonce = VtpmHostKeyBinding.nonce(hostKey, fresh());
        VtpmEvidence evidence = collector(List.of()).collect(guest, nonce);

        Verdict verdict = verify(evidence, nonce);
        assertThat(verdict.failures()).isEmpty();
        assertThat(verdict.accepted()).isTrue();
        assertThat(evidence.pcrs()).hasSize(24);
        assertThat(evidence.vcek()).contains(Octets.copyOf(azure.chip().vcekDer()));
        assertThat(AzureEvidenceParser.looksLikeJson(evidence.json())).as("duet attest verify takes the same bytes").isTrue();

        Octets otherHost = VtpmHostKeyBinding.nonce(SshKeys.publicKeyBlob(SshKeys.generateEd25519().getPublic()), fresh());
        assertThat(verify(evidence, otherHost).failures()).extracting(Check::id).containsExactly("vtpm.nonce");
    }

    /**
     * The command lines Azure gets, under {@code sudo -n} (the test's sshd logs in its own user, root
     * here, so this shows the argv survives sudo and the quoting, not that Azure's user may sudo).
     */
    @Test
    void underSudoTheSameEvidenceIsCollected() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/sudo")) && "root".equals(OpenSshServer.user()), "needs sudo, run as root");
        Octets nonce = VtpmHostKeyBinding.nonce(hostKey, fresh());
        assertThat(verify(collector(VtpmCollector.SUDO).collect(guest, nonce), nonce).accepted()).isTrue();
    }

    @Test
    void aQuoteReplayedFromAnEarlierNonceFailsTheNonce() throws Exception {
        byte[] earlier = fresh();
        VtpmEvidence old = collector(List.of()).collect(guest, VtpmHostKeyBinding.nonce(hostKey, earlier));
        Octets now = VtpmHostKeyBinding.nonce(hostKey, fresh());
        assertThat(verify(old, now).failures()).extracting(Check::id).containsExactly("vtpm.nonce");
        assertThat(verify(old, VtpmHostKeyBinding.nonce(hostKey, earlier)).accepted()).isTrue();
    }

    @Test
    void aQuoteByAKeyOtherThanTheClaimsOneFailsTheSignature() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        azure.tpm().writeHclReport(hcl((RSAPublicKey) rsa.generateKeyPair().getPublic()));
        try {
            Octets nonce = VtpmHostKeyBinding.nonce(hostKey, fresh());
            Verdict verdict = verify(collector(List.of()).collect(guest, nonce), nonce);
            assertThat(verdict.failures()).extracting(Check::id).containsExactly("vtpm.quote-signature");
        } finally {
            azure.tpm().writeHclReport(hcl(azure.ak()));
        }
    }

    /** Runs {@code test} while the stand-in's vTPM holds a TDX HCL report, then puts the SNP one back. */
    private static void asTdxGuest(ThrowingRunnable test) throws Exception {
        azure.tpm().writeHclReport(HclReports.buildTdx(azure.ak(), MRTD));
        try {
            test.run();
        } finally {
            azure.tpm().writeHclReport(hcl(azure.ak()));
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static Verdict verifyTdx(VtpmEvidence evidence, Octets nonce, IntelTrust intel) throws Exception {
        return new AzureVtpmVerifier(azure.chip().trust(), intel, SignatureCache.none()).verify(evidence.parse(), nonce, Collateral.none(),
                VtpmHostKeyBinding.policy(), Instant.now());
    }

    @Test
    void aTdxGuestsEvidenceCarriesTheTdQuoteOfItsTdReportAndVerifiesWithItsCollateral() throws Exception {
        asTdxGuest(() -> {
            Octets nonce = VtpmHostKeyBinding.nonce(hostKey, fresh());
            VtpmEvidence evidence = collector(List.of()).collect(guest, nonce);
            assertThat(evidence.vcek()).isEmpty();
            assertThat(evidence.tdQuote()).isPresent();
            VtpmEvidence logged = evidence.withCollateral(Octets.copyOf(dcap.collateralBundle(Instant.now())));

            Verdict verdict = verifyTdx(logged, nonce, dcap.trust());
            assertThat(verdict.failures()).isEmpty();
            assertThat(verdict.kind()).isEqualTo(TeeKind.TDX);
            assertThat(logged.parse().collateral().tcbInfos()).as("the JSON carries the collateral").hasSize(1);
            assertThat(verifyTdx(evidence, nonce, dcap.trust()).failures()).as("no collateral, no TCB status")
                    .extracting(Check::id).containsExactlyInAnyOrder("policy.tcb-status", "tdx.pck-revocation");
            assertThat(verifyTdx(logged, nonce, IntelTrust.intel()).failures()).extracting(Check::id).contains("dcap.pck-chain");
            Octets otherHost = VtpmHostKeyBinding.nonce(SshKeys.publicKeyBlob(SshKeys.generateEd25519().getPublic()), fresh());
            assertThat(verifyTdx(logged, otherHost, dcap.trust()).failures()).extracting(Check::id).containsExactly("vtpm.nonce");
            ObjectNode withoutCrl = (ObjectNode) JSON.readTree(dcap.collateralBundle(Instant.now()));
            withoutCrl.remove("pck_crl");
            VtpmEvidence unrevoked = evidence.withCollateral(Octets.copyOf(JSON.writeValueAsBytes(withoutCrl)));
            assertThat(verifyTdx(unrevoked, nonce, dcap.trust()).failures()).as("collateral without the PCK CA's CRL")
                    .extracting(Check::id).containsExactly("tdx.pck-revocation");
        });
    }

    @Test
    void aTdQuoteOfAnotherTdReportFailsTheMatchAndBadAnswersAreRefusedByKind() throws Exception {
        asTdxGuest(() -> {
            Octets nonce = VtpmHostKeyBinding.nonce(hostKey, fresh());
            VtpmEvidence other = collector(List.of(), HclReports.THIM_PATH, "/acc/other-report").collect(guest, nonce)
                    .withCollateral(Octets.copyOf(dcap.collateralBundle(Instant.now())));
            assertThat(verifyTdx(other, nonce, dcap.trust()).failures()).extracting(Check::id).containsExactly("tdx.report-match");

            assertThat(failure(collector(List.of(), HclReports.THIM_PATH, "/acc/no-quote"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
            assertThat(failure(collector(List.of(), HclReports.THIM_PATH, "/acc/not-base64"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
            assertThat(failure(collector(List.of(), HclReports.THIM_PATH, "/garbage"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
            assertThat(failure(collector(List.of(), HclReports.THIM_PATH, "/absent"))).isEqualTo(VtpmCollectionException.Kind.COMMAND_FAILED);
            assertThat(failure(collector(List.of(), HclReports.THIM_PATH, "/huge"))).as("curl stops at --max-filesize")
                    .isEqualTo(VtpmCollectionException.Kind.COMMAND_FAILED);
        });
    }

    /** A guest whose tools answer {@code script} instead: the collector runs them by PATH, as it would the real ones. */
    private static VtpmCollector lyingGuest(String tool, String script) throws Exception {
        Path bin = Files.createTempDirectory(dir, "bin");
        Path fake = bin.resolve(tool);
        Files.writeString(fake, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return collector(List.of("env", "PATH=" + bin + ":/usr/bin:/bin"));
    }

    private static VtpmCollectionException.Kind failure(VtpmCollector collector) {
        Octets nonce = VtpmHostKeyBinding.nonce(hostKey, fresh());
        try {
            collector.collect(guest, nonce);
        } catch (VtpmCollectionException e) {
            return e.kind();
        }
        throw new AssertionError("the collection succeeded");
    }

    @Test
    void aGuestAnsweringGarbageOrTooMuchIsRefusedByKind() throws Exception {
        assertThat(failure(lyingGuest("tpm2_nvread", "printf 'HCLA not really'"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
        assertThat(failure(lyingGuest("tpm2_nvread", "head -c 1048576 /dev/zero"))).isEqualTo(VtpmCollectionException.Kind.TOO_LARGE);
        assertThat(failure(lyingGuest("tpm2_quote", "exit 0"))).as("no files written").isEqualTo(VtpmCollectionException.Kind.COMMAND_FAILED);
        assertThat(failure(lyingGuest("base64", "echo '!!'"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
        assertThat(failure(lyingGuest("base64", "head -c 100000 /dev/zero | tr '\\0' A"))).isEqualTo(VtpmCollectionException.Kind.TOO_LARGE);
        assertThat(failure(lyingGuest("tpm2_nvread", "exit 3"))).isEqualTo(VtpmCollectionException.Kind.COMMAND_FAILED);
        assertThat(failure(collector(List.of(), "/garbage"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
        assertThat(failure(collector(List.of(), "/not-pem"))).isEqualTo(VtpmCollectionException.Kind.MALFORMED);
        assertThat(failure(collector(List.of(), "/huge"))).as("curl stops at --max-filesize").isEqualTo(VtpmCollectionException.Kind.COMMAND_FAILED);
        assertThat(failure(collector(List.of(), "/absent"))).isEqualTo(VtpmCollectionException.Kind.COMMAND_FAILED);
        assertThat(failure(collector(List.of("env", "PATH=/nonexistent")))).isEqualTo(VtpmCollectionException.Kind.TOOLS_MISSING);
    }

    @Test
    void aQualifyingDataThatIsNoTpm2bDataIsRefusedBeforeTheGuestIsAsked() {
        assertThatThrownBy(() -> collector(List.of()).collect(guest, Octets.copyOf(new byte[65])))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
