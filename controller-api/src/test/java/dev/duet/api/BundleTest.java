package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.HistoryFixture;
import dev.duet.controller.OwnerId;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.log.Sha256Hash;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.BundleVerifier;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle as a user gets it: fetched over loopback HTTP from a controller with simulated SNP
 * self-attestation on a real SQLite log, verified offline by {@link BundleVerifier}: trusted with
 * the right facts when the user trusts the simulated root and asks with the nonce the bundle answers;
 * each way it can fail, failing under its guarantee; history since a trusted checkpoint.
 */
class BundleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMMANDS = 50;

    /** A controller with simulated attestation over a CVM that ran {@value #COMMANDS} commands, then went in-service. */
    private record Deployment(RunningController running, String cvm, Ed25519KeyPair owner, Octets simulatedArk) implements AutoCloseable {
        static Deployment start(Path dir) throws Exception {
            Ed25519KeyPair owner = Ed25519KeyPair.generate();
            Path data = dir.resolve("data");
            String cvm = HistoryFixture.adoptedCvm(data, List.of(owner.publicKey()), COMMANDS, true);
            SimulatedSnp chip = SimulatedSnp.open(dir.resolve("chip"));
            Controller controller = Controller.open(ControllerConfig.defaults(data, List.of()), d -> FileSealer.openOrCreate(d.sealingKey()),
                    Optional.empty(), SelfAttestation.simulatedSnp(chip));
            RunningController running = new RunningController(controller, ControllerServer.start(controller, "127.0.0.1", 0));
            return new Deployment(running, cvm, owner, ControllerEvidenceVerifier.fingerprint(Octets.copyOf(chip.arkDer())));
        }

        byte[] bundle(String query) throws Exception {
            return StateSummaryTest.get(running, "/v1/cvms/" + cvm + "/bundle" + query);
        }

        BundleTrust trust(Optional<String> nonce, Optional<Checkpoint> trusted) {
            return new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots().trustingSimulatedRoot(simulatedArk),
                    AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), nonce, trusted, Instant.now());
        }

        Checkpoint checkpoint() throws Exception {
            return Checkpoint.open(running.controller.checkpoint(), ControllerLog.verifierKey(running.controller.signingKey()),
                    ControllerLog.origin(running.controller.signingKey()));
        }

        @Override
        public void close() throws Exception {
            running.close();
        }
    }

    private static List<String> failed(BundleVerdict verdict, Guarantee guarantee) {
        return verdict.failures().stream().filter(g -> g.guarantee() == guarantee).map(g -> g.check().id()).toList();
    }

    @Test
    void aFetchedBundleVerifiesWithTheRightFacts(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            BundleVerdict verdict = BundleVerifier.verify(d.bundle("?nonce=n1"), d.trust(Optional.of("n1"), Optional.empty()));
            assertThat(verdict.failures()).isEmpty();
            assertThat(verdict.trusted()).isTrue();
            for (Guarantee g : List.of(Guarantee.CONTROLLER_GENUINE, Guarantee.SIGNED_BY_CONTROLLER, Guarantee.CVM_GENUINE,
                    Guarantee.COMPLETE_HISTORY, Guarantee.IN_SERVICE, Guarantee.FRESH)) {
                assertThat(verdict.checksOf(g)).as(g.id()).isNotEmpty();
            }
            DeploymentFacts facts = verdict.facts().orElseThrow();
            assertThat(facts.owners()).extracting(o -> o.keyId()).containsExactly(d.owner().publicKey().keyId());
            assertThat(facts.cvm().id()).isEqualTo(d.cvm());
            assertThat(facts.cvm().mode()).isEqualTo(CvmMode.IN_SERVICE);
            assertThat(facts.cvm().hostKey()).isEqualTo(HistoryFixture.HOST_KEY);
            assertThat(facts.cvm().launch()).as("an adopted CVM has no launch evidence").isEmpty();
            long switched = facts.checkpoint().size() - 1;
            assertThat(facts.cvm().modeSince().orElseThrow().seq()).isEqualTo(switched);
            assertThat(facts.history()).hasSize(COMMANDS + 2);
            assertThat(facts.history().get(0)).as("the adoption opened the first in-update window").isInstanceOfSatisfying(
                    DeploymentFacts.Event.ModeChanged.class, m -> {
                        assertThat(m.from()).isEqualTo(CvmMode.PROVISIONING);
                        assertThat(m.to()).isEqualTo(CvmMode.IN_UPDATE);
                        assertThat(m.when().seq()).isEqualTo(2);
                    });
            assertThat(facts.history().get(1)).isInstanceOfSatisfying(DeploymentFacts.Event.Command.class,
                    c -> assertThat(c.argv()).containsExactly("apt-get", "install", "pkg0"));
            assertThat(facts.history().get(COMMANDS + 1)).isInstanceOfSatisfying(DeploymentFacts.Event.ModeChanged.class,
                    m -> assertThat(m.to()).isEqualTo(CvmMode.IN_SERVICE));
            assertThat(facts.controller().simulated()).isTrue();
            assertThat(facts.nonce()).contains("n1");
            assertThat(facts.since()).isEmpty();
        }
    }

    @Test
    void anAdoptedCvmsBundleAskedWithANonceSaysWhyItHasNoFreshReportAndVerifies(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            byte[] bundle = d.bundle("?nonce=n1");
            JsonNode cvmEvidence = JSON.readTree(bundle).path("payload").path("cvm_evidence");
            assertThat(cvmEvidence.has("fresh")).isFalse();
            assertThat(cvmEvidence.path("fresh_unavailable").asText()).contains("adopted over SSH").contains("no TEE interface");
            BundleVerdict verdict = BundleVerifier.verify(bundle, d.trust(Optional.of("n1"), Optional.empty()));
            assertThat(verdict.failures()).isEmpty();
            assertThat(verdict.trusted()).isTrue();
            assertThat(verdict.facts().orElseThrow().cvm().fresh()).isEmpty();
            assertThat(verdict.checksOf(Guarantee.FRESH)).filteredOn(c -> c.id().equals("cvm.fresh")).singleElement()
                    .satisfies(c -> assertThat(c.reason()).contains("adopted, without attestation").contains("adopted over SSH"));

            assertThat(JSON.readTree(d.bundle("")).path("payload").has("cvm_evidence")).as("without a nonce nothing is fresh").isFalse();
        }
    }

    @Test
    void eachFailureIsGradedUnderItsGuarantee(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            byte[] bundle = d.bundle("?nonce=n1");
            BundleVerdict untrustedRoot = BundleVerifier.verify(bundle, new BundleTrust(ControllerEvidenceVerifier.Trust.vendorRoots(),
                    AttestationVerifier.vendorRoots(), AppraisalPolicy.strict(), Optional.of("n1"), Optional.empty(), Instant.now()));
            assertThat(untrustedRoot.trusted()).isFalse();
            assertThat(untrustedRoot.failures()).extracting(BundleVerdict.Graded::guarantee).containsOnly(Guarantee.CONTROLLER_GENUINE);
            assertThat(failed(untrustedRoot, Guarantee.CONTROLLER_GENUINE)).contains(ControllerEvidenceVerifier.SIMULATED_CHECK, "controller.attested");

            BundleVerdict replayed = BundleVerifier.verify(bundle, d.trust(Optional.of("n2"), Optional.empty()));
            assertThat(replayed.failures()).extracting(BundleVerdict.Graded::guarantee).contains(Guarantee.FRESH);
            assertThat(failed(replayed, Guarantee.FRESH)).containsExactlyInAnyOrder("evidence.freshness", "bundle.freshness", "state.freshness");

            BundleVerdict unasked = BundleVerifier.verify(d.bundle(""), d.trust(Optional.of("n1"), Optional.empty()));
            assertThat(failed(unasked, Guarantee.FRESH)).contains("bundle.freshness", "state.freshness");

            String text = new String(bundle, StandardCharsets.UTF_8);
            BundleVerdict edited = BundleVerifier.verify(text.replace("pkg7\"", "pkg8\"").getBytes(StandardCharsets.UTF_8),
                    d.trust(Optional.of("n1"), Optional.empty()));
            assertThat(failed(edited, Guarantee.SIGNED_BY_CONTROLLER)).contains("bundle.signature");
            assertThat(edited.facts()).isEmpty();
        }
    }

    @Test
    void malformedBundlesGetATypedVerdictNeverAnException(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            String text = new String(d.bundle("?nonce=n1"), StandardCharsets.UTF_8);
            ObjectNode unknown = (ObjectNode) JSON.readTree(text);
            ((ObjectNode) unknown.get("payload")).putObject("cvm_evidence").put("fresh", "a report nobody can check");
            ObjectNode unknownInside = (ObjectNode) JSON.readTree(text);
            ((ObjectNode) unknownInside.get("payload").get("cvm")).put("mode", "in-service");
            for (String malformed : List.of(text + "{}", text.replaceFirst("\"format\":", "\"format\":\"duet.bundle/v1\",\"format\":"),
                    JSON.writeValueAsString(unknown), JSON.writeValueAsString(unknownInside), "", "[]", "{\"payload\":1}",
                    text.substring(0, text.length() / 2))) {
                BundleVerdict verdict = BundleVerifier.verify(malformed.getBytes(StandardCharsets.UTF_8), d.trust(Optional.of("n1"), Optional.empty()));
                assertThat(verdict.trusted()).isFalse();
                assertThat(verdict.facts()).isEmpty();
                assertThat(verdict.failures()).hasSize(1);
                assertThat(verdict.failures().get(0).check().id()).isEqualTo("bundle.document");
            }
        }
    }

    @Test
    void sinceATrustedCheckpointTheBundleCarriesOnlyWhatFollowsAndProvesTheLogGrewFromIt(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            Checkpoint trusted = d.checkpoint();
            OwnerId owner = new OwnerId(d.owner().publicKey().keyId());
            d.running().controller.setMode(owner, d.cvm(), "in-update");
            d.running().controller.setMode(owner, d.cvm(), "in-service");
            byte[] bundle = d.bundle("?nonce=n1&since=" + trusted.size());
            JsonNode cvm = JSON.readTree(bundle).path("payload").path("cvm");
            assertThat(cvm.path("entries")).hasSize(2);
            assertThat(cvm.path("anchor").path("entry").path("seq").asLong()).isEqualTo(trusted.size() - 1);

            BundleVerdict verdict = BundleVerifier.verify(bundle, d.trust(Optional.of("n1"), Optional.of(trusted)));
            assertThat(verdict.failures()).isEmpty();
            DeploymentFacts facts = verdict.facts().orElseThrow();
            assertThat(facts.since()).hasValue(trusted.size());
            assertThat(facts.history()).hasSize(2).allSatisfy(e -> assertThat(e).isInstanceOf(DeploymentFacts.Event.ModeChanged.class));
            assertThat(facts.cvm().mode()).isEqualTo(CvmMode.IN_SERVICE);

            Checkpoint forked = new Checkpoint(trusted.origin(), trusted.size(), Sha256Hash.ZERO, List.of());
            BundleVerdict fork = BundleVerifier.verify(bundle, d.trust(Optional.of("n1"), Optional.of(forked)));
            assertThat(failed(fork, Guarantee.COMPLETE_HISTORY)).containsExactly("consistency");

            BundleVerdict noTrusted = BundleVerifier.verify(bundle, d.trust(Optional.of("n1"), Optional.empty()));
            assertThat(failed(noTrusted, Guarantee.COMPLETE_HISTORY)).containsExactly("consistency");

            BundleVerdict full = BundleVerifier.verify(d.bundle("?nonce=n1"), d.trust(Optional.of("n1"), Optional.of(trusted)));
            assertThat(failed(full, Guarantee.COMPLETE_HISTORY)).as("a trusted checkpoint and no proof from it").containsExactly("consistency");
        }
    }

    @Test
    void sinceACheckpointThePolicyInForceThereIsCarriedAndTheHistoryAfterItJudgedByIt(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            OwnerId owner = new OwnerId(d.owner().publicKey().keyId());
            TestOwner http = new TestOwner(d.running().port(), d.owner());
            d.running().controller.setMode(owner, d.cvm(), "in-update");
            TestOwner.Reply set = http.signed("PUT", "/v1/cvms/" + d.cvm() + "/policy", "{\"rules\": [{\"id\": \"status\", \"effect\": "
                    + "\"allow\", \"modes\": [\"in-service\"], \"exec\": [\"systemctl\", \"status\", \"*\"]}], \"max_upload_bytes\": 1048576, "
                    + "\"log_content_below_bytes\": 4096, \"on_leaving_service\": []}");
            assertThat(set.status()).as(set.raw()).isEqualTo(200);
            d.running().controller.setMode(owner, d.cvm(), "in-service");
            Checkpoint trusted = d.checkpoint();
            d.running().controller.setMode(owner, d.cvm(), "in-update");
            d.running().controller.setMode(owner, d.cvm(), "in-service");

            byte[] bundle = d.bundle("?nonce=n1&since=" + trusted.size());
            JsonNode cvm = JSON.readTree(bundle).path("payload").path("cvm");
            assertThat(cvm.path("policy").path("entry").path("kind").asText()).isEqualTo("policy.set");
            assertThat(cvm.path("policy").path("entry").path("seq").asLong()).isEqualTo(set.body().path("seq").asLong());
            BundleVerdict verdict = BundleVerifier.verify(bundle, d.trust(Optional.of("n1"), Optional.of(trusted)));
            assertThat(verdict.failures()).isEmpty();
            assertThat(verdict.checksOf(Guarantee.IN_SERVICE)).filteredOn(c -> c.id().equals("policy")).singleElement()
                    .satisfies(c -> assertThat(c.describe()).doesNotContain("not judged")
                            .contains("version " + set.body().path("version").asLong()));
        }
    }

    @Test
    void theCliSavesTheBundleAsServed(@TempDir Path dir) throws Exception {
        try (Deployment d = Deployment.start(dir)) {
            Path out = dir.resolve("bundle.json");
            EndToEndTest.CliRun run = EndToEndTest.cli("bundle", "--controller", d.running().url(), d.cvm(), "--nonce", "n9", "--out",
                    out.toString());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("bundle of " + d.cvm()).contains("unverified");
            BundleVerdict verdict = BundleVerifier.verify(Files.readAllBytes(out), d.trust(Optional.of("n9"), Optional.empty()));
            assertThat(verdict.failures()).extracting(g -> g.check().describe()).isEmpty();
            EndToEndTest.CliRun badNonce = EndToEndTest.cli("bundle", "--controller", d.running().url(), d.cvm(), "--nonce", "a&since=1",
                    "--out", out.toString());
            assertThat(badNonce.exit()).isEqualTo(2);
            EndToEndTest.CliRun unknown = EndToEndTest.cli("bundle", "--controller", d.running().url(), "cvm-00000000000000ff", "--out",
                    out.toString());
            assertThat(unknown.exit()).isNotZero();
            assertThat(unknown.err()).contains("404");
        }
    }
}
