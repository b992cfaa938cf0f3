package dev.duet.protocol.policy;

import static dev.duet.protocol.policy.Deployments.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.TestVectors;
import dev.duet.attestation.snp.SnpReportParser;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.bundle.Guarantee;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Each rule of a deployment policy against facts that meet it and facts that do not: the rule's
 * check fails with its reason, under its guarantee, and no other rule fails with it.
 */
class DeploymentPolicyTest {
    private static final String ZEROS_48 = "00".repeat(48);
    static final String MILAN_MEASUREMENT = measurement("snp/milan_v3_oak_report.bin");
    static final String CONTROLLER_MEASUREMENT = goldenMeasurement();

    /** A policy every rule of which the healthy facts meet; {@code edit} changes it as JSON text. */
    static String policyJson(UnaryOperator<String> edit) {
        return edit.apply("""
                {
                  "controller": {"evidenceKinds": ["sev-snp"], "snp": {"measurements": ["%s"], "minimumTcb": {"bootloader": 0}},
                                 "trustSimulatedRoot": "%s"},
                  "cvm": {"evidenceKinds": ["sev-snp"], "snp": {"measurements": ["%s"], "minimumTcb": {"bootloader": 0, "snp": 0}}},
                  "owners": ["%s"],
                  "mode": {"inService": "required", "sinceEntry": 7, "forAtLeast": "P7D"},
                  "maxAge": "PT1H",
                  "requireNonce": true,
                  "forbiddenCommands": [["rm", "**"], ["**", "--force", "**"], ["*sh", "-c", "*curl *|*sh*"]],
                  "maxInUpdateWindows": 1
                }
                """.formatted(CONTROLLER_MEASUREMENT, Deployments.simulatedArk(), MILAN_MEASUREMENT, Deployments.OWNER.publicKey().keyId()));
    }

    private static String measurement(String vector) {
        try {
            return SnpReportParser.parse(TestVectors.bytes(vector)).measurement().hex();
        } catch (MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String goldenMeasurement() {
        try {
            return SnpReportParser.parse(Deployments.golden("simulated-snp-report-n1.bin")).measurement().hex();
        } catch (MalformedEvidenceException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, BundleVerdict.Graded> judged(DeploymentPolicy policy, DeploymentFacts facts) {
        return policy.evaluate(facts, Deployments.NOW).stream().collect(Collectors.toMap(g -> g.check().id(), g -> g,
                (a, b) -> { throw new AssertionError("two checks named " + a.check().id()); }, java.util.LinkedHashMap::new));
    }

    private static List<String> failed(DeploymentPolicy policy, DeploymentFacts facts) {
        return policy.evaluate(facts, Deployments.NOW).stream().filter(g -> !g.check().passed()).map(g -> g.check().id()).toList();
    }

    private static Check check(DeploymentPolicy policy, DeploymentFacts facts, String id) {
        return judged(policy, facts).get(id).check();
    }

    @Test
    void aHealthyDeploymentMeetsEveryRuleEachUnderItsGuarantee() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Map<String, BundleVerdict.Graded> judged = judged(policy, new Deployments.Facts(policy).build());
        assertThat(judged.values()).allSatisfy(g -> assertThat(g.check().passed()).as(g.check().describe()).isTrue());
        Map<String, Guarantee> grades = judged.values().stream().collect(Collectors.toMap(g -> g.check().id(), BundleVerdict.Graded::guarantee));
        assertThat(grades).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("policy.controller.kind", Guarantee.CONTROLLER_GENUINE),
                Map.entry("policy.controller.simulated", Guarantee.CONTROLLER_GENUINE),
                Map.entry("policy.controller.attested", Guarantee.CONTROLLER_GENUINE),
                Map.entry("policy.controller.measurement", Guarantee.CONTROLLER_GENUINE),
                Map.entry("policy.controller.minimum-tcb", Guarantee.CONTROLLER_GENUINE),
                Map.entry("policy.cvm.simulated", Guarantee.CVM_GENUINE),
                Map.entry("policy.cvm.launch-evidence", Guarantee.CVM_GENUINE),
                Map.entry("policy.cvm.kind", Guarantee.CVM_GENUINE),
                Map.entry("policy.cvm.measurement", Guarantee.CVM_GENUINE),
                Map.entry("policy.cvm.minimum-tcb", Guarantee.CVM_GENUINE),
                Map.entry("policy.cvm.debug", Guarantee.CVM_GENUINE),
                Map.entry("policy.cvm.fresh-evidence", Guarantee.CVM_GENUINE),
                Map.entry("policy.owners", Guarantee.COMPLETE_HISTORY),
                Map.entry("policy.mode.in-service", Guarantee.IN_SERVICE),
                Map.entry("policy.mode.since-entry", Guarantee.IN_SERVICE),
                Map.entry("policy.mode.for-at-least", Guarantee.IN_SERVICE),
                Map.entry("policy.forbidden-commands", Guarantee.IN_SERVICE),
                Map.entry("policy.in-update-windows", Guarantee.IN_SERVICE),
                Map.entry("policy.max-age", Guarantee.FRESH),
                Map.entry("policy.nonce", Guarantee.FRESH)));
        assertThat(judged.get("policy.controller.simulated").check().reason()).startsWith("SIMULATED");
    }

    @Test
    void aControllerOfAKindThePolicyDoesNotNameFailsTheKind() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replace("""
                "controller": {"evidenceKinds": ["sev-snp"], "snp":""", """
                "controller": {"evidenceKinds": ["sev-snp", "tdx"], "snp":""")));
        DeploymentPolicy tdxOnly = Deployments.policy(policyJson(p -> p.replace("""
                "controller": {"evidenceKinds": ["sev-snp"], "snp": {"measurements": ["%s"], "minimumTcb": {"bootloader": 0}},"""
                .formatted(CONTROLLER_MEASUREMENT), """
                "controller": {"evidenceKinds": ["tdx"], "tdx": {"mrTd": ["%s"]},""".formatted(CONTROLLER_MEASUREMENT))));
        assertThat(failed(policy, new Deployments.Facts(policy).build())).isEmpty();
        DeploymentFacts facts = new Deployments.Facts(tdxOnly).build();
        assertThat(failed(tdxOnly, facts)).containsExactly("policy.controller.kind");
        Check kind = check(tdxOnly, facts, "policy.controller.kind");
        assertThat(kind.expected()).isEqualTo("one of [tdx]");
        assertThat(kind.actual()).isEqualTo("sev-snp");
    }

    @Test
    void simulatedControllerEvidenceFailsUnlessThePolicyNamesTheSimulatedRoot() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replace("""
                ,
                                 "trustSimulatedRoot": "%s"}""".formatted(Deployments.simulatedArk()), "}")));
        DeploymentFacts facts = new Deployments.Facts(policy).build();
        assertThat(facts.controller().attestation()).isInstanceOf(ControllerEvidenceVerdict.NotAttested.class);
        assertThat(failed(policy, facts)).contains("policy.controller.simulated", "policy.controller.attested");
        assertThat(check(policy, facts, "policy.controller.simulated").reason()).startsWith("SIMULATED").contains("names no simulated root");
    }

    @Test
    void simulatedCvmEvidenceFailsUnlessThePolicyNamesTheSimulatedRoot() {
        DeploymentPolicy trusting = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(trusting);
        facts.cvmSimulated = true;
        assertThat(check(trusting, facts.build(), "policy.cvm.simulated").passed()).isTrue();
        DeploymentPolicy strict = Deployments.policy(policyJson(p -> p.replace("""
                ,
                                 "trustSimulatedRoot": "%s"}""".formatted(Deployments.simulatedArk()), "}")));
        Deployments.Facts real = new Deployments.Facts(strict);
        real.controllerSimulated = false;
        real.controller = Deployments.controllerAttestation(trusting);
        real.cvmSimulated = true;
        assertThat(failed(strict, real.build())).contains("policy.cvm.simulated");
        assertThat(check(strict, real.build(), "policy.cvm.simulated").reason()).contains("the CVM's evidence comes from duet's simulated chip");
    }

    @Test
    void anotherControllerBuildFailsTheMeasurement() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replaceFirst(CONTROLLER_MEASUREMENT, ZEROS_48)));
        DeploymentFacts facts = new Deployments.Facts(policy).build();
        assertThat(failed(policy, facts)).containsExactly("policy.controller.attested", "policy.controller.measurement");
        Check measurement = check(policy, facts, "policy.controller.measurement");
        assertThat(measurement.expected()).isEqualTo(ZEROS_48);
        assertThat(measurement.actual()).isEqualTo(CONTROLLER_MEASUREMENT);
        assertThat(measurement.reason()).startsWith("policy.measurement: MEASUREMENT against the allow-list");
    }

    @Test
    void aControllerBelowTheMinimumTcbFailsIt() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replaceFirst("\"bootloader\": 0}", "\"bootloader\": 255}")));
        DeploymentFacts facts = new Deployments.Facts(policy).build();
        assertThat(failed(policy, facts)).containsExactly("policy.controller.attested", "policy.controller.minimum-tcb");
        assertThat(check(policy, facts, "policy.controller.minimum-tcb").expected()).isEqualTo("bootloader >= 255");
        assertThat(check(policy, facts, "policy.controller.minimum-tcb").reason()).contains("REPORTED_TCB is below the policy's minimum");
    }

    @Test
    void anotherCvmImageFailsTheCvmMeasurement() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replace(MILAN_MEASUREMENT, ZEROS_48)));
        DeploymentFacts facts = new Deployments.Facts(policy).build();
        assertThat(failed(policy, facts)).containsExactly("policy.cvm.launch-evidence", "policy.cvm.measurement", "policy.cvm.fresh-evidence");
        Check measurement = check(policy, facts, "policy.cvm.measurement");
        assertThat(measurement.expected()).isEqualTo(ZEROS_48);
        assertThat(measurement.actual()).isEqualTo(MILAN_MEASUREMENT);
        assertThat(check(policy, facts, "policy.cvm.launch-evidence").reason()).contains("policy.measurement");
    }

    @Test
    void aCvmBelowTheMinimumTcbFailsIt() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replace("\"bootloader\": 0, \"snp\": 0}", "\"bootloader\": 0, \"snp\": 255}")));
        DeploymentFacts facts = new Deployments.Facts(policy).build();
        assertThat(failed(policy, facts)).containsExactly("policy.cvm.launch-evidence", "policy.cvm.minimum-tcb", "policy.cvm.fresh-evidence");
        assertThat(check(policy, facts, "policy.cvm.minimum-tcb").expected()).isEqualTo("snp >= 255");
    }

    @Test
    void cvmEvidenceOfAKindThePolicyDoesNotNameFailsTheKind() {
        DeploymentPolicy snpOnly = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(snpOnly);
        facts.launch = Optional.of(Deployments.tdx(snpOnly.cvm().evidence()));
        facts.fresh = Optional.empty();
        facts.nonce = Optional.empty();
        DeploymentFacts built = facts.build();
        assertThat(failed(snpOnly, built)).contains("policy.cvm.kind", "policy.cvm.launch-evidence");
        Check kind = check(snpOnly, built, "policy.cvm.kind");
        assertThat(kind.expected()).isEqualTo("one of [sev-snp]");
        assertThat(kind.actual()).isEqualTo("tdx");
    }

    @Test
    void aDebugCvmFailsUnlessThePolicyAllowsDebug() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p.replace("\"measurements\": [\"" + MILAN_MEASUREMENT + "\"], ", "")));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.launch = Optional.of(Deployments.milanDebug(policy.cvm().evidence()));
        assertThat(failed(policy, facts.build())).contains("policy.cvm.debug", "policy.cvm.launch-evidence");
        assertThat(check(policy, facts.build(), "policy.cvm.debug").reason()).contains("debugging");
    }

    @Test
    void anAdoptedCvmWithoutLaunchEvidenceFailsUnlessThePolicyAcceptsIt() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.launch = Optional.empty();
        facts.fresh = Optional.empty();
        facts.nonce = Optional.empty();
        DeploymentFacts adopted = facts.build();
        assertThat(failed(policy, adopted)).containsExactly("policy.cvm.launch-evidence", "policy.cvm.kind", "policy.cvm.measurement",
                "policy.cvm.minimum-tcb", "policy.cvm.debug", "policy.nonce");
        assertThat(check(policy, adopted, "policy.cvm.launch-evidence").reason()).contains("adopted").contains("allowAdoptedWithoutLaunchEvidence");

        DeploymentPolicy accepting = Deployments.policy(policyJson(p -> p.replace("\"cvm\": {", "\"cvm\": {\"allowAdoptedWithoutLaunchEvidence\": true, ")));
        assertThat(failed(accepting, adopted)).containsExactly("policy.nonce");
        assertThat(check(accepting, adopted, "policy.cvm.launch-evidence").reason()).contains("nothing attests what it booted");
    }

    @Test
    void anAdoptedCvmIsJudgedOnItsFreshReportWhenItHasOne() {
        DeploymentPolicy accepting = Deployments.policy(policyJson(p -> p.replace(MILAN_MEASUREMENT, ZEROS_48)
                .replace("\"cvm\": {", "\"cvm\": {\"allowAdoptedWithoutLaunchEvidence\": true, ")));
        Deployments.Facts facts = new Deployments.Facts(accepting);
        facts.launch = Optional.empty();
        assertThat(failed(accepting, facts.build())).containsExactly("policy.cvm.measurement", "policy.cvm.fresh-evidence");
    }

    @Test
    void aCvmNotInServiceFailsTheModeAndItsDuration() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.mode = CvmMode.IN_UPDATE;
        facts.modeSince = Optional.of(at(8, "2026-11-30T00:00:00Z"));
        facts.history.add(new DeploymentFacts.Event.ModeChanged(at(8, "2026-11-30T00:00:00Z"), CvmMode.IN_SERVICE, CvmMode.IN_UPDATE));
        DeploymentFacts built = facts.build();
        assertThat(failed(policy, built)).containsExactly("policy.mode.in-service", "policy.mode.since-entry", "policy.mode.for-at-least",
                "policy.in-update-windows");
        assertThat(check(policy, built, "policy.mode.in-service").actual()).isEqualTo("in-update");
        assertThat(check(policy, built, "policy.in-update-windows").actual()).isEqualTo("2");
    }

    @Test
    void inServiceSinceALaterEntryOrForTooShortFailsSince() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.modeSince = Optional.of(at(8, "2026-11-30T12:00:00Z"));
        DeploymentFacts built = facts.build();
        assertThat(failed(policy, built)).containsExactly("policy.mode.since-entry", "policy.mode.for-at-least");
        assertThat(check(policy, built, "policy.mode.since-entry").actual()).isEqualTo("since entry 8");
        assertThat(check(policy, built, "policy.mode.for-at-least").actual()).startsWith("for PT24H ");
        facts.modeSince = Optional.of(at(7, "2026-11-24T12:00:00Z"));
        assertThat(failed(policy, facts.build())).isEmpty();
    }

    @Test
    void aForbiddenCommandInTheHistoryFailsNamingItsEntry() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.history.add(4, new DeploymentFacts.Event.Command(at(5, "2026-11-19T00:02:00Z"), List.of("rm", "-rf", "/var/log")));
        facts.history.add(5, new DeploymentFacts.Event.Command(at(6, "2026-11-19T00:02:30Z"), List.of("sh", "-c", "curl https://x | sh")));
        Check forbidden = check(policy, facts.build(), "policy.forbidden-commands");
        assertThat(forbidden.passed()).isFalse();
        assertThat(forbidden.actual()).isEqualTo("entry 5 [\"rm\", \"-rf\", \"/var/log\"] matches [\"rm\", \"**\"]; "
                + "entry 6 [\"sh\", \"-c\", \"curl https://x | sh\"] matches [\"*sh\", \"-c\", \"*curl *|*sh*\"]");
        assertThat(forbidden.reason()).isEqualTo("2 forbidden commands in the history");
    }

    @Test
    void aHistoryGivenSinceATrustedCheckpointSaysSoInItsChecks() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.since = OptionalLong.of(5);
        DeploymentFacts built = facts.build();
        assertThat(check(policy, built, "policy.forbidden-commands").reason()).endsWith("after log size 5 (the checkpoint the user already trusted)");
        assertThat(check(policy, built, "policy.in-update-windows").reason()).contains("after log size 5");
    }

    @Test
    void anOldBundleOrOneFromTheFutureFailsTheAge() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.issuedAt = Deployments.NOW.minus(Duration.ofMinutes(61));
        assertThat(failed(policy, facts.build())).containsExactly("policy.max-age");
        assertThat(check(policy, facts.build(), "policy.max-age").actual()).startsWith("PT1H1M ");
        facts.issuedAt = Deployments.NOW.plus(Duration.ofMinutes(10));
        assertThat(check(policy, facts.build(), "policy.max-age").reason()).contains("issued in the future");
        facts.issuedAt = Deployments.NOW.plusSeconds(30);
        assertThat(failed(policy, facts.build())).isEmpty();
        facts.issuedAt = Deployments.NOW.minus(Duration.ofHours(1));
        assertThat(failed(policy, facts.build())).isEmpty();
    }

    @Test
    void aBundleWithoutTheNonceOrWithoutAFreshCvmReportFailsTheNonce() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.nonce = Optional.empty();
        assertThat(failed(policy, facts.build())).containsExactly("policy.nonce");
        assertThat(check(policy, facts.build(), "policy.nonce").reason()).contains("replay");
        facts.nonce = Optional.of("n1");
        facts.fresh = Optional.empty();
        assertThat(failed(policy, facts.build())).containsExactly("policy.nonce");
        assertThat(check(policy, facts.build(), "policy.nonce").actual()).isEqualTo("no fresh CVM report");
    }

    @Test
    void ownersMustBeExactlyThePolicysOwners() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        Deployments.Facts facts = new Deployments.Facts(policy);
        facts.owners.add(Deployments.owner(Deployments.OTHER_OWNER));
        Check extra = check(policy, facts.build(), "policy.owners");
        assertThat(extra.passed()).isFalse();
        assertThat(extra.reason()).contains("not in the policy " + Deployments.OTHER_OWNER.publicKey().keyId());
        facts.owners = new java.util.ArrayList<>(List.of(Deployments.owner(Deployments.OTHER_OWNER)));
        assertThat(check(policy, facts.build(), "policy.owners").reason()).contains("missing " + Deployments.OWNER.publicKey().keyId());
        facts.owners = new java.util.ArrayList<>(List.of(new dev.duet.protocol.entry.Payload.OwnerKey(Deployments.OWNER.publicKey().keyId(),
                Deployments.OTHER_OWNER.publicKey().base64())));
        assertThat(check(policy, facts.build(), "policy.owners").reason()).contains("beside a public key whose id is");
    }

    @Test
    void withoutFactsNoRuleOfThePolicyPasses() {
        DeploymentPolicy policy = Deployments.policy(policyJson(p -> p));
        BundleVerdict unverified = new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.SIGNED_BY_CONTROLLER,
                Check.fail("bundle.signature", "invalid signature"))), Optional.empty());
        BundleVerdict judged = policy.judge(unverified, Deployments.NOW);
        assertThat(judged.trusted()).isFalse();
        assertThat(judged.checks()).hasSize(1 + policy.evaluate(new Deployments.Facts(policy).build(), Deployments.NOW).size());
        assertThat(judged.checks().subList(1, judged.checks().size())).allSatisfy(g -> {
            assertThat(g.check().passed()).isFalse();
            assertThat(g.check().reason()).startsWith("not established");
        });
        BundleVerdict verified = new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.SIGNED_BY_CONTROLLER,
                Check.pass("bundle.signature", "signed"))), Optional.of(new Deployments.Facts(policy).build()));
        assertThat(policy.judge(verified, Deployments.NOW).trusted()).isTrue();
    }
}
