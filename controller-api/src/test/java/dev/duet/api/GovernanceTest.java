package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.Payload;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * k of n owners over HTTP against Debian's real sshd (issue 12, item 3): a switch to in-update
 * waits for the k-th owner's signature and is carried out then with every approver logged; it
 * expires unperformed; an owner cannot approve twice; the threshold is fixed in entry 0.
 */
class GovernanceTest {
    private static final String TO_UPDATE = "{\"mode\":\"in-update\"}";
    private static final String TO_SERVICE = "{\"mode\":\"in-service\"}";
    private static final String TRUE = "{\"argv\":[\"true\"]}";

    @TempDir Path dir;

    private final Ed25519KeyPair a = Ed25519KeyPair.generate();
    private final Ed25519KeyPair b = Ed25519KeyPair.generate();
    private final Ed25519KeyPair c = Ed25519KeyPair.generate();

    private RunningController twoOfThree(Duration expiry) throws Exception {
        return RunningController.start(dir.resolve("data"), List.of(a.publicKey(), b.publicKey(), c.publicKey()),
                config -> config.withGovernance(OptionalInt.of(2), expiry));
    }

    @Test
    void aSwitchToInUpdateWaitsForTheSecondOwnerAndLogsBoth() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = twoOfThree(Duration.ofMinutes(15))) {
            TestOwner ownerA = new TestOwner(running.port(), a);
            TestOwner ownerB = new TestOwner(running.port(), b);
            JsonNode registered = ownerA.get("/v1/log/entries?start=0&end=1").body().path("entries").get(0);
            assertThat(TestOwner.payload(registered, Payload.OwnerRegistered.class).threshold()).isEqualTo(2);
            String cvm = ownerA.adopt(sshd);
            assertThat(ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_SERVICE).status()).as("leaving in-update is not governed")
                    .isEqualTo(200);

            TestOwner.Reply asked = ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_UPDATE);
            assertThat(asked.status()).as(asked.raw()).isEqualTo(202);
            String request = asked.body().path("id").asText();
            assertThat(asked.body().path("state").asText()).isEqualTo("pending");
            assertThat(asked.body().path("approved_by")).extracting(JsonNode::asText).containsExactly(a.publicKey().keyId());
            assertThat(asked.body().path("threshold").asInt()).isEqualTo(2);
            assertThat(asked.body().path("cvm").asText()).isEqualTo(cvm);
            assertThat(mode(ownerA, cvm)).as("one signature changes nothing").isEqualTo("in-service");
            TestOwner.Reply refused = ownerA.signed("POST", "/v1/cvms/" + cvm + "/commands", TRUE);
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.body().path("type").asText()).isEqualTo("urn:duet:problem:mode-forbids");
            assertThat(ownerA.get("/v1/approvals").body().path("approvals")).extracting(n -> n.path("id").asText()).containsExactly(request);
            assertThat(ownerA.get("/v1/approvals/" + request).body().path("body_sha256").asText())
                    .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(TO_UPDATE.getBytes())));

            TestOwner.Reply twice = ownerA.signed("POST", "/v1/approvals/" + request, "{}");
            assertThat(twice.status()).as(twice.raw()).isEqualTo(409);
            assertThat(twice.body().path("type").asText()).isEqualTo("urn:duet:problem:already-approved");
            assertThat(mode(ownerA, cvm)).isEqualTo("in-service");

            TestOwner.Reply approved = ownerB.signed("POST", "/v1/approvals/" + request, "{}");
            assertThat(approved.status()).as(approved.raw()).isEqualTo(200);
            assertThat(approved.body().path("approval").path("state").asText()).isEqualTo("carried-out");
            assertThat(approved.body().path("outcome").path("status").asInt()).isEqualTo(200);
            JsonNode result = approved.body().path("outcome").path("result");
            assertThat(result.path("cvm").path("mode").asText()).isEqualTo("in-update");
            long switchIndex = result.path("log_index").asLong();
            assertThat(mode(ownerA, cvm)).isEqualTo("in-update");

            JsonNode switched = entry(ownerA, cvm, switchIndex);
            assertThat(switched.path("actor").asText()).as("carried out as the owner who asked").isEqualTo("owner:" + a.publicKey().keyId());
            assertThat(TestOwner.payload(switched, Payload.ModeChanged.class).approvedBy())
                    .containsExactly(a.publicKey().keyId(), b.publicKey().keyId());
            assertThat(TestOwner.payload(switched, Payload.ModeChanged.class).ownersEntry()).as("approved under entry 0's owners").hasValue(0);
            assertThat(kinds(ownerA, cvm)).containsSubsequence("approval.requested", "approval.added", "mode.changed");
            assertThat(ownerA.signed("POST", "/v1/cvms/" + cvm + "/commands", TRUE).status()).isEqualTo(200);
            TestOwner.Reply late = ownerB.signed("POST", "/v1/approvals/" + request, "{}");
            assertThat(late.status()).isEqualTo(409);
            assertThat(late.body().path("type").asText()).isEqualTo("urn:duet:problem:approval-closed");
            assertThat(ownerA.get("/v1/approvals").body().path("approvals")).isEmpty();
            assertThat(ownerA.get("/v1/approvals/apr-0000000000000000").status()).isEqualTo(404);
        }
    }

    @Test
    void aWaitingSwitchExpiresAndCannotBeApprovedAfterwards() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = twoOfThree(Duration.ofSeconds(2))) {
            TestOwner ownerA = new TestOwner(running.port(), a);
            TestOwner ownerB = new TestOwner(running.port(), b);
            String cvm = ownerA.adopt(sshd);
            assertThat(ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_SERVICE).status()).isEqualTo(200);
            TestOwner.Reply asked = ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_UPDATE);
            assertThat(asked.status()).isEqualTo(202);
            String request = asked.body().path("id").asText();
            Thread.sleep(3_500);

            TestOwner.Reply late = ownerB.signed("POST", "/v1/approvals/" + request, "{}");
            assertThat(late.status()).as(late.raw()).isEqualTo(410);
            assertThat(late.body().path("type").asText()).isEqualTo("urn:duet:problem:approval-expired");
            assertThat(mode(ownerA, cvm)).isEqualTo("in-service");
            assertThat(ownerA.get("/v1/approvals/" + request).body().path("state").asText()).isEqualTo("expired");
            assertThat(ownerA.get("/v1/approvals").body().path("approvals")).isEmpty();
            List<String> kinds = kinds(ownerA, cvm);
            assertThat(kinds).containsSubsequence("approval.requested", "approval.expired").doesNotContain("approval.added");
            assertThat(kinds.get(kinds.size() - 1)).as("nothing ran after it expired").isNotEqualTo("mode.changed");
        }
    }

    @Test
    void aRequestWaitingAtRestartIsLoggedExpiredAndNeverCarriedOut() throws Exception {
        String cvm;
        String request;
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            try (RunningController running = twoOfThree(Duration.ofMinutes(15))) {
                TestOwner ownerA = new TestOwner(running.port(), a);
                cvm = ownerA.adopt(sshd);
                assertThat(ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_SERVICE).status()).isEqualTo(200);
                request = ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_UPDATE).body().path("id").asText();
            }
            try (RunningController running = RunningController.start(dir.resolve("data"), List.of())) {
                TestOwner ownerB = new TestOwner(running.port(), b);
                assertThat(ownerB.get("/v1/approvals/" + request).body().path("state").asText()).isEqualTo("expired");
                assertThat(ownerB.signed("POST", "/v1/approvals/" + request, "{}").status()).isEqualTo(410);
                List<String> kinds = kinds(ownerB, cvm);
                assertThat(kinds.get(kinds.size() - 2)).isEqualTo("approval.expired");
                assertThat(mode(ownerB, cvm)).isEqualTo("in-service");
            }
        }
    }

    @Test
    void theThresholdIsOneToTheNumberOfKeysAndFixedAtInitialisation() throws Exception {
        ControllerConfig tooMany = ControllerConfig.defaults(dir.resolve("bad"), List.of(a.publicKey(), b.publicKey()))
                .withGovernance(OptionalInt.of(3), Duration.ofMinutes(1));
        assertThatThrownBy(() -> Controller.open(tooMany)).hasMessageContaining("the owner threshold must be 1 to 2");
        ControllerConfig zero = ControllerConfig.defaults(dir.resolve("zero"), List.of(a.publicKey()))
                .withGovernance(OptionalInt.of(0), Duration.ofMinutes(1));
        assertThatThrownBy(() -> Controller.open(zero)).hasMessageContaining("the owner threshold must be 1 to 1");
        try (RunningController running = twoOfThree(Duration.ofMinutes(1))) {
            assertThat(running.port()).isPositive();
        }
        ControllerConfig changed = ControllerConfig.defaults(dir.resolve("data"), List.of()).withGovernance(OptionalInt.of(1), Duration.ofMinutes(1));
        assertThatThrownBy(() -> Controller.open(changed)).hasMessageContaining("owner threshold given (1) differs from the one in force (2)");
    }

    @Test
    void keyRotationTakesKOfTheCurrentOwnersAndARemovedKeyIsRefusedFromThenOn() throws Exception {
        Ed25519KeyPair d = Ed25519KeyPair.generate();
        String rotate = "{\"add\":[{\"public_key\":\"" + d.publicKey().base64() + "\"}],\"remove\":[\"" + c.publicKey().keyId()
                + "\"],\"threshold\":2}";
        String cvm;
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"))) {
            try (RunningController running = twoOfThree(Duration.ofMinutes(15))) {
                TestOwner ownerA = new TestOwner(running.port(), a);
                TestOwner ownerB = new TestOwner(running.port(), b);
                TestOwner ownerC = new TestOwner(running.port(), c);
                TestOwner ownerD = new TestOwner(running.port(), d);
                cvm = ownerA.adopt(sshd);
                assertThat(ownerA.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_SERVICE).status()).isEqualTo(200);
                String byC = ownerC.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_UPDATE).body().path("id").asText();

                TestOwner.Reply asked = ownerA.signed("POST", "/v1/owners", rotate);
                assertThat(asked.status()).as(asked.raw()).isEqualTo(202);
                assertThat(asked.body().path("cvm").isNull()).isTrue();
                assertThat(ownerD.signed("POST", "/v1/approvals/" + asked.body().path("id").asText(), "{}").status())
                        .as("not an owner yet").isEqualTo(403);
                TestOwner.Reply done = ownerB.signed("POST", "/v1/approvals/" + asked.body().path("id").asText(), "{}");
                assertThat(done.status()).as(done.raw()).isEqualTo(200);
                JsonNode result = done.body().path("outcome").path("result");
                assertThat(result.path("owners")).extracting(JsonNode::asText)
                        .containsExactly(a.publicKey().keyId(), b.publicKey().keyId(), d.publicKey().keyId());
                Payload.OwnersChanged changed = TestOwner.payload(logEntry(ownerA, result.path("log_index").asLong()), Payload.OwnersChanged.class);
                assertThat(changed.added()).extracting(Payload.OwnerKey::keyId).containsExactly(d.publicKey().keyId());
                assertThat(changed.removed()).containsExactly(c.publicKey().keyId());
                assertThat(changed.threshold()).isEqualTo(2);
                assertThat(changed.approvedBy()).containsExactly(a.publicKey().keyId(), b.publicKey().keyId());
                assertThat(changed.ownersEntry()).as("it changes entry 0's owners").isZero();

                TestOwner.Reply removed = ownerC.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_UPDATE);
                assertThat(removed.status()).isEqualTo(403);
                assertThat(removed.body().path("type").asText()).isEqualTo("urn:duet:problem:forbidden");
                JsonNode cancelled = ownerA.get("/v1/approvals/" + byC).body();
                assertThat(cancelled.path("state").asText()).as("a removed owner's waiting request ends with the change").isEqualTo("expired");
                assertThat(cancelled.path("outcome").asText()).contains("the owner keys changed");
                assertThat(ownerB.signed("POST", "/v1/approvals/" + byC, "{}").status()).isEqualTo(410);
                assertThat(mode(ownerA, cvm)).isEqualTo("in-service");

                for (String bad : List.of("{\"remove\":[\"" + a.publicKey().keyId() + "\",\"" + b.publicKey().keyId() + "\",\""
                        + d.publicKey().keyId() + "\"]}", "{\"remove\":[\"" + a.publicKey().keyId() + "\",\"" + b.publicKey().keyId()
                        + "\"]}", "{\"threshold\":4}", "{\"remove\":[\"" + c.publicKey().keyId() + "\"]}", "{}",
                        "{\"add\":[{\"key_id\":\"00\",\"public_key\":\"" + c.publicKey().base64() + "\"}]}",
                        // The identity point: with it as an owner's key, anyone could sign as that owner (R = identity, S = 0).
                        "{\"add\":[{\"public_key\":\"MCowBQYDK2VwAyEAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}")) {
                    TestOwner.Reply refused = ownerA.signed("POST", "/v1/owners", bad);
                    assertThat(refused.status()).as(bad + ": " + refused.raw()).isEqualTo(400);
                }
                assertThat(ownerA.get("/v1/approvals").body().path("approvals")).as("a refused change never waits").isEmpty();

                String byD = ownerD.signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_UPDATE).body().path("id").asText();
                TestOwner.Reply switched = ownerA.signed("POST", "/v1/approvals/" + byD, "{}");
                assertThat(switched.body().path("approval").path("state").asText()).as(switched.raw()).isEqualTo("carried-out");
                assertThat(mode(ownerA, cvm)).isEqualTo("in-update");
                assertThat(TestOwner.payload(entry(ownerA, cvm, switched.body().path("outcome").path("result").path("log_index").asLong()),
                        Payload.ModeChanged.class).ownersEntry()).as("approved under the rotated owners").hasValue(result.path("log_index").asLong());

                TestOwner.Reply bundle = ownerA.get("/v1/cvms/" + cvm + "/bundle");
                assertThat(bundle.body().path("payload").path("owners").path("changes")).as("the bundle carries the owner change").hasSize(1);
                dev.duet.protocol.bundle.BundleVerdict verdict = dev.duet.protocol.bundle.BundleVerifier.verify(
                        bundle.raw().getBytes(java.nio.charset.StandardCharsets.UTF_8), new dev.duet.protocol.bundle.BundleTrust(
                                dev.duet.attestation.ControllerEvidenceVerifier.Trust.vendorRoots(),
                                dev.duet.attestation.AttestationVerifier.vendorRoots(), dev.duet.attestation.policy.AppraisalPolicy.strict(),
                                java.util.Optional.empty(), java.util.Optional.empty(), java.time.Instant.now()));
                assertThat(verdict.checksOf(dev.duet.protocol.bundle.Guarantee.IN_SERVICE)).filteredOn(ch -> ch.id().equals("governance"))
                        .as("approvals by the added key count").singleElement().matches(dev.duet.attestation.Check::passed);
                assertThat(verdict.failures()).extracting(g -> g.check().id()).doesNotContain("owners.changes", "governance", "lifecycle");
            }
            try (RunningController restarted = RunningController.start(dir.resolve("data"), List.of(), config -> config.withGovernance(
                    OptionalInt.of(2), Duration.ofMinutes(15)))) {
                assertThat(new TestOwner(restarted.port(), c).signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_SERVICE).status())
                        .as("the removal survives a restart").isEqualTo(403);
                assertThat(new TestOwner(restarted.port(), d).signed("PUT", "/v1/cvms/" + cvm + "/mode", TO_SERVICE).status()).isEqualTo(200);
            }
        }
    }

    /**
     * The penetration test's case: alice asks to remove bob and carol and lower the threshold to 1.
     * The other owners are served the body she signed, byte for byte (spaces and order included), so
     * they see what they would approve; an approval that names another body's hash is refused and not
     * counted; the request once carried out no longer carries its body.
     */
    @Test
    void approversAreServedTheSignedBodyAndAnApprovalOfAnotherBodyIsNotCounted() throws Exception {
        String signed = "{ \"remove\": [\"" + b.publicKey().keyId() + "\", \"" + c.publicKey().keyId() + "\"],  \"threshold\":1}";
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(signed.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try (RunningController running = twoOfThree(Duration.ofMinutes(15))) {
            TestOwner ownerA = new TestOwner(running.port(), a);
            TestOwner ownerB = new TestOwner(running.port(), b);
            TestOwner.Reply asked = ownerA.signed("POST", "/v1/owners", signed);
            assertThat(asked.status()).as(asked.raw()).isEqualTo(202);
            String request = asked.body().path("id").asText();
            assertThat(asked.body().path("body").asText()).isEqualTo(signed);
            JsonNode served = ownerB.get("/v1/approvals/" + request).body();
            assertThat(served.path("body").asText()).as("the exact bytes alice signed").isEqualTo(signed);
            assertThat(served.path("body_sha256").asText()).isEqualTo(hash);
            assertThat(ownerB.get("/v1/approvals").body().path("approvals").get(0).path("body").asText()).isEqualTo(signed);

            String other = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest("{\"threshold\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            TestOwner.Reply mismatch = ownerB.signed("POST", "/v1/approvals/" + request, "{\"body_sha256\":\"" + other + "\"}");
            assertThat(mismatch.status()).as(mismatch.raw()).isEqualTo(409);
            assertThat(mismatch.body().path("type").asText()).isEqualTo("urn:duet:problem:conflict");
            TestOwner.Reply malformed = ownerB.signed("POST", "/v1/approvals/" + request, "{\"body_sha256\":\"XYZ\"}");
            assertThat(malformed.status()).as(malformed.raw()).isEqualTo(400);
            JsonNode still = ownerB.get("/v1/approvals/" + request).body();
            assertThat(still.path("state").asText()).isEqualTo("pending");
            assertThat(still.path("approved_by")).as("the refused approvals were not counted").extracting(JsonNode::asText)
                    .containsExactly(a.publicKey().keyId());

            TestOwner.Reply approved = ownerB.signed("POST", "/v1/approvals/" + request, "{\"body_sha256\":\"" + hash + "\"}");
            assertThat(approved.status()).as(approved.raw()).isEqualTo(200);
            assertThat(approved.body().path("approval").path("state").asText()).isEqualTo("carried-out");
            assertThat(approved.body().path("outcome").path("result").path("owners")).extracting(JsonNode::asText)
                    .containsExactly(a.publicKey().keyId());
            Payload.OwnersChanged changed = TestOwner.payload(logEntry(ownerA,
                    approved.body().path("outcome").path("result").path("log_index").asLong()), Payload.OwnersChanged.class);
            assertThat(changed.approvedBy()).containsExactly(a.publicKey().keyId(), b.publicKey().keyId());
            JsonNode ended = ownerA.get("/v1/approvals/" + request).body();
            assertThat(ended.has("body")).as("a request no longer pending carries no body").isFalse();
            assertThat(ended.path("body_sha256").asText()).isEqualTo(hash);
        }
    }

    @Test
    void withOneOwnerKeyAnOwnerChangeIsCarriedOutAtOnce() throws Exception {
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(a.publicKey()))) {
            TestOwner ownerA = new TestOwner(running.port(), a);
            TestOwner.Reply added = ownerA.signed("POST", "/v1/owners", "{\"add\":[{\"key_id\":\"" + b.publicKey().keyId()
                    + "\",\"public_key\":\"" + b.publicKey().base64() + "\"}]}");
            assertThat(added.status()).as(added.raw()).isEqualTo(200);
            assertThat(added.body().path("threshold").asInt()).isEqualTo(1);
            Payload.OwnersChanged changed = TestOwner.payload(logEntry(ownerA, added.body().path("log_index").asLong()), Payload.OwnersChanged.class);
            assertThat(changed.approvedBy()).as("one owner sufficed: no approvals to log").isEmpty();
            TestOwner.Reply byB = new TestOwner(running.port(), b).signed("POST", "/v1/owners", "{\"remove\":[\"" + a.publicKey().keyId() + "\"]}");
            assertThat(byB.status()).as(byB.raw()).isEqualTo(200);
            assertThat(ownerA.signed("POST", "/v1/owners", "{\"threshold\":1}").status()).isEqualTo(403);
        }
    }

    private static JsonNode logEntry(TestOwner owner, long seq) throws Exception {
        return owner.get("/v1/log/entries?start=" + seq + "&end=" + (seq + 1)).body().path("entries").get(0);
    }

    private static String mode(TestOwner owner, String cvm) throws Exception {
        return owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm").path("mode").asText();
    }

    private static JsonNode entry(TestOwner owner, String cvm, long seq) throws Exception {
        for (JsonNode e : owner.get("/v1/cvms/" + cvm + "/entries").body().path("entries")) {
            if (e.path("seq").asLong() == seq) {
                return e;
            }
        }
        throw new AssertionError("no entry " + seq + " on " + cvm + "'s chain");
    }

    private static List<String> kinds(TestOwner owner, String cvm) throws Exception {
        List<String> kinds = new ArrayList<>();
        owner.get("/v1/cvms/" + cvm + "/entries").body().path("entries").forEach(e -> kinds.add(e.path("kind").asText()));
        return kinds;
    }
}
