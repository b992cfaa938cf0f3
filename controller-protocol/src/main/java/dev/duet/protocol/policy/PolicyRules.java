package dev.duet.protocol.policy;

import dev.duet.attestation.Check;
import dev.duet.attestation.ControllerEvidenceVerdict;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.DeploymentFacts;
import dev.duet.protocol.bundle.Guarantee;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.report.BundleReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The rules a {@link DeploymentPolicy} states, each a check under its guarantee. The controller's
 * and the CVM's hardware rules read the appraisal the bundle verifier made under this policy's
 * {@link DeploymentPolicy#bundleTrust trust} (its checks by id, never their prose); the others read
 * the facts directly. Which rules exist depends on the policy alone, so a bundle that established no
 * facts fails the same list.
 */
final class PolicyRules {
    /** How far in the future a bundle's issue time may be (clock skew between controller and checker) before it is refused. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private PolicyRules() {}

    record Rule(Guarantee guarantee, String id, BiFunction<DeploymentFacts, Instant, Check> check) {
        BundleVerdict.Graded judge(DeploymentFacts facts, Instant now) {
            return new BundleVerdict.Graded(guarantee, check.apply(facts, now));
        }

        BundleVerdict.Graded notEstablished() {
            return new BundleVerdict.Graded(guarantee, Check.fail(id, "facts established by a verified bundle", "none",
                    "not established: the bundle did not verify, so the policy has nothing to judge"));
        }
    }

    static List<Rule> of(DeploymentPolicy policy) {
        List<Rule> rules = new ArrayList<>();
        controller(policy, rules);
        cvm(policy, rules);
        policy.owners().ifPresent(owners -> rules.add(new Rule(Guarantee.COMPLETE_HISTORY, "policy.owners", (f, now) -> owners(owners, f))));
        policy.mode().ifPresent(mode -> {
            rules.add(new Rule(Guarantee.IN_SERVICE, "policy.mode.in-service", (f, now) -> Check.of(f.cvm().mode() == CvmMode.IN_SERVICE,
                    "policy.mode.in-service", CvmMode.IN_SERVICE.wire(), f.cvm().mode().wire(), "the CVM's mode, as its verified history leaves it")));
            mode.sinceEntry().ifPresent(entry -> rules.add(new Rule(Guarantee.IN_SERVICE, "policy.mode.since-entry",
                    (f, now) -> sinceEntry(entry, f))));
            mode.forAtLeast().ifPresent(least -> rules.add(new Rule(Guarantee.IN_SERVICE, "policy.mode.for-at-least",
                    (f, now) -> forAtLeast(least, f, now))));
        });
        if (!policy.forbiddenCommands().isEmpty()) {
            rules.add(new Rule(Guarantee.IN_SERVICE, "policy.forbidden-commands", (f, now) -> forbidden(policy.forbiddenCommands(), f)));
        }
        policy.maxInUpdateWindows().ifPresent(max -> rules.add(new Rule(Guarantee.IN_SERVICE, "policy.in-update-windows",
                (f, now) -> windows(max, f))));
        policy.maxAge().ifPresent(max -> rules.add(new Rule(Guarantee.FRESH, "policy.max-age", (f, now) -> age(max, f, now))));
        if (policy.requireNonce()) {
            rules.add(new Rule(Guarantee.FRESH, "policy.nonce", (f, now) -> nonce(f)));
        }
        return rules;
    }

    private static void controller(DeploymentPolicy policy, List<Rule> rules) {
        DeploymentPolicy.ControllerRules controller = policy.controller();
        AppraisalPolicy evidence = controller.evidence();
        rules.add(new Rule(Guarantee.CONTROLLER_GENUINE, "policy.controller.kind", (f, now) -> Check.of(
                evidence.evidenceKinds().contains(f.controller().tee()), "policy.controller.kind", "one of " + evidence.evidenceKindsText(),
                f.controller().tee().wire(), "the controller's TEE against the policy's controller.evidenceKinds")));
        rules.add(new Rule(Guarantee.CONTROLLER_GENUINE, "policy.controller.simulated",
                (f, now) -> simulated("policy.controller.simulated", "the controller's", f.controller().simulated(), controller)));
        rules.add(new Rule(Guarantee.CONTROLLER_GENUINE, "policy.controller.attested", (f, now) -> {
            ControllerEvidenceVerdict attestation = f.controller().attestation();
            return attestation instanceof ControllerEvidenceVerdict.Attested
                    ? Check.pass("policy.controller.attested", attestation.reason())
                    : Check.fail("policy.controller.attested", "hardware evidence binding the controller's key under the policy's trust",
                            "not attested", attestation.reason());
        }));
        rules.add(new Rule(Guarantee.CONTROLLER_GENUINE, "policy.controller.measurement", (f, now) -> {
            List<Check> checks = f.controller().attestation().checks();
            Optional<Check> unpinned = find(checks, Set.of(ControllerEvidenceVerifier.MEASUREMENT_CHECK)).filter(c -> !c.passed());
            if (unpinned.isPresent()) {
                return renamed("policy.controller.measurement", unpinned.get());
            }
            return find(checks, MEASUREMENT_CHECKS).map(c -> renamed("policy.controller.measurement", c))
                    .orElseGet(() -> notEstablished("policy.controller.measurement", "the controller's measurement",
                            f.controller().attestation().reason()));
        }));
        rules.add(new Rule(Guarantee.CONTROLLER_GENUINE, "policy.controller.minimum-tcb", (f, now) -> {
            Optional<Check> found = find(f.controller().attestation().checks(), TCB_CHECKS);
            if (found.isPresent()) {
                return renamed("policy.controller.minimum-tcb", found.get());
            }
            return setsMinimum(evidence, f.controller().tee())
                    ? notEstablished("policy.controller.minimum-tcb", "the controller's TCB", f.controller().attestation().reason())
                    : Check.pass("policy.controller.minimum-tcb", "the policy sets no minimum TCB for a " + f.controller().tee().wire()
                            + " controller");
        }));
    }

    private static void cvm(DeploymentPolicy policy, List<Rule> rules) {
        DeploymentPolicy.CvmRules cvm = policy.cvm();
        rules.add(new Rule(Guarantee.CVM_GENUINE, "policy.cvm.simulated",
                (f, now) -> simulated("policy.cvm.simulated", "the CVM's", f.cvm().simulated(), policy.controller())));
        rules.add(new Rule(Guarantee.CVM_GENUINE, "policy.cvm.launch-evidence", (f, now) -> {
            Optional<Verdict> launch = f.cvm().launch();
            if (launch.isPresent()) {
                return accepted("policy.cvm.launch-evidence", "the CVM's launch evidence", launch.get());
            }
            return cvm.allowAdoptedWithoutLaunchEvidence()
                    ? Check.pass("policy.cvm.launch-evidence", "none", "none", "adopted CVM without launch evidence, accepted because the "
                            + "policy sets cvm.allowAdoptedWithoutLaunchEvidence: nothing attests what it booted")
                    : Check.fail("policy.cvm.launch-evidence", "launch evidence meeting the CVM policy", "none", "the CVM was adopted and "
                            + "has no launch evidence, so nothing attests what it booted (cvm.allowAdoptedWithoutLaunchEvidence accepts that)");
        }));
        appraisalRule(rules, cvm, "policy.cvm.kind", "the CVM's evidence kind", Set.of("policy.evidence-kind"), kind -> true);
        appraisalRule(rules, cvm, "policy.cvm.measurement", "the CVM's measurement", MEASUREMENT_CHECKS, kind -> true);
        appraisalRule(rules, cvm, "policy.cvm.minimum-tcb", "the CVM's TCB", TCB_CHECKS, kind -> setsMinimum(cvm.evidence(), kind));
        appraisalRule(rules, cvm, "policy.cvm.debug", "whether the CVM allows debugging", Set.of("policy.debug"), kind -> true);
        rules.add(new Rule(Guarantee.CVM_GENUINE, "policy.cvm.fresh-evidence", (f, now) -> f.cvm().fresh()
                .map(fresh -> accepted("policy.cvm.fresh-evidence", "the CVM's fresh report", fresh))
                .orElseGet(() -> Check.pass("policy.cvm.fresh-evidence", f.nonce().isPresent()
                        ? "no fresh CVM report: the CVM has none to give (adopted, or not running; the bundle's cvm.fresh check says why)"
                        : "no fresh CVM report: the bundle was not asked for with a nonce"))));
    }

    /**
     * One rule of the CVM appraisal, read from the launch evidence (or, for an adopted CVM, a fresh
     * report): the appraisal check of that rule, renamed; when the appraisal has none, passed only
     * when the policy sets nothing for that rule.
     */
    private static void appraisalRule(List<Rule> rules, DeploymentPolicy.CvmRules cvm, String id, String what, Set<String> sources,
            Predicate<TeeKind> required) {
        rules.add(new Rule(Guarantee.CVM_GENUINE, id, (f, now) -> {
            Optional<Verdict> evidence = f.cvm().launch().or(() -> f.cvm().fresh());
            if (evidence.isEmpty()) {
                return cvm.allowAdoptedWithoutLaunchEvidence()
                        ? Check.pass(id, "not judged: adopted CVM without evidence, accepted by cvm.allowAdoptedWithoutLaunchEvidence")
                        : Check.fail(id, "evidence of " + what, "none", "not established: the CVM has no launch evidence");
            }
            Optional<Check> found = find(evidence.get().checks(), sources);
            if (found.isPresent()) {
                return renamed(id, found.get());
            }
            return required.test(evidence.get().kind()) ? notEstablished(id, what, failures(evidence.get()))
                    : Check.pass(id, "the policy sets no minimum TCB for " + evidence.get().kind().wire() + " evidence");
        }));
    }

    private static final Set<String> MEASUREMENT_CHECKS = Set.of("policy.measurement", "policy.mrtd", "policy.mrenclave");
    private static final Set<String> TCB_CHECKS = Set.of("policy.minimum-tcb", "policy.minimum-tee-tcb-svn");

    private static boolean setsMinimum(AppraisalPolicy policy, TeeKind kind) {
        return switch (kind) {
            case SEV_SNP -> !policy.snp().minimumTcb().equals(AppraisalPolicy.MinimumTcb.NONE);
            case TDX -> policy.tdx().minimumTeeTcbSvn().isPresent();
            case SGX -> policy.sgx().minimumIsvSvn().isPresent();
            case NONE -> false;
        };
    }

    private static Optional<Check> find(List<Check> checks, Set<String> ids) {
        return checks.stream().filter(c -> ids.contains(c.id())).findFirst();
    }

    private static Check renamed(String id, Check check) {
        return new Check(id, check.passed(), check.expected(), check.actual(), check.id() + ": " + check.reason());
    }

    private static Check notEstablished(String id, String what, String why) {
        return Check.fail(id, what + " established", "not established", "not established: " + why);
    }

    private static String failures(Verdict verdict) {
        List<Check> failed = verdict.failures();
        return failed.isEmpty() ? verdict.evidence() + " has no such check"
                : failed.stream().map(c -> c.id() + ": " + c.detail()).collect(Collectors.joining("; "));
    }

    private static Check accepted(String id, String what, Verdict verdict) {
        return verdict.accepted() ? Check.pass(id, what + " (" + verdict.evidence() + ") verifies and meets the CVM policy")
                : Check.fail(id, what + " verifying and meeting the CVM policy", verdict.evidence() + ": " + verdict.failures().size()
                        + " failed check" + (verdict.failures().size() == 1 ? "" : "s"), failures(verdict));
    }

    private static Check simulated(String id, String whose, boolean simulated, DeploymentPolicy.ControllerRules controller) {
        if (!simulated) {
            return Check.pass(id, whose + " evidence is not from duet's simulated chip");
        }
        return controller.simulatedArk()
                .map(ark -> Check.pass(id, "SIMULATED root, ARK SHA-256 " + ark.hex(), "SIMULATED", "SIMULATED: " + whose + " evidence "
                        + "is trusted only because the policy names the simulated root (controller.trustSimulatedRoot); it proves "
                        + "nothing about hardware"))
                .orElseGet(() -> Check.fail(id, "hardware evidence", "SIMULATED", "SIMULATED: " + whose + " evidence comes from duet's "
                        + "simulated chip and the policy names no simulated root (controller.trustSimulatedRoot); it proves nothing "
                        + "about hardware"));
    }

    /**
     * The owner key ids entry 0 registers, each derived from the public key listed with it (an id
     * listed beside another key's public key would otherwise pass for that key).
     */
    private static Check owners(SortedSet<String> expected, DeploymentFacts facts) {
        SortedSet<String> actual = new TreeSet<>();
        for (Payload.OwnerKey owner : facts.owners()) {
            String derived;
            try {
                derived = Ed25519PublicKey.parseBase64(owner.publicKey()).keyId();
            } catch (KeyFormatException e) {
                return Check.fail("policy.owners", String.join(", ", expected), "an unreadable key",
                        "entry 0 lists an owner key that is not an Ed25519 public key: " + e.getMessage());
            }
            if (!derived.equals(owner.keyId())) {
                return Check.fail("policy.owners", String.join(", ", expected), owner.keyId(),
                        "entry 0 lists key id " + owner.keyId() + " beside a public key whose id is " + derived);
            }
            actual.add(derived);
        }
        SortedSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        SortedSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        String reason = missing.isEmpty() && extra.isEmpty() ? "entry 0 registers exactly the policy's owners"
                : "entry 0 must register exactly the policy's owners" + (missing.isEmpty() ? "" : "; missing " + String.join(", ", missing))
                        + (extra.isEmpty() ? "" : "; not in the policy " + String.join(", ", extra)
                                + " (another owner can change the CVM while it is in update)");
        return Check.of(missing.isEmpty() && extra.isEmpty(), "policy.owners", String.join(", ", expected),
                actual.isEmpty() ? "none" : String.join(", ", actual), reason);
    }

    private static Check sinceEntry(long entry, DeploymentFacts facts) {
        String id = "policy.mode.since-entry";
        if (facts.cvm().mode() != CvmMode.IN_SERVICE || facts.cvm().modeSince().isEmpty()) {
            return Check.fail(id, "in service since entry " + entry + " or earlier", facts.cvm().mode().wire(), "the CVM is not in service");
        }
        long since = facts.cvm().modeSince().get().seq();
        return Check.of(since <= entry, id, "in service since entry " + entry + " or earlier", "since entry " + since,
                since <= entry ? "nothing has changed the CVM after entry " + entry
                        : "the CVM entered service after entry " + entry + ", so it changed after the entry the policy names");
    }

    private static Check forAtLeast(Duration least, DeploymentFacts facts, Instant now) {
        String id = "policy.mode.for-at-least";
        if (facts.cvm().mode() != CvmMode.IN_SERVICE || facts.cvm().modeSince().isEmpty()) {
            return Check.fail(id, "in service for at least " + least, facts.cvm().mode().wire(), "the CVM is not in service");
        }
        Duration served = Duration.between(facts.cvm().modeSince().get().at(), now);
        return Check.of(served.compareTo(least) >= 0, id, "in service for at least " + least, "for " + served + " (since "
                + facts.cvm().modeSince().get().at() + ", entry " + facts.cvm().modeSince().get().seq() + ")",
                "how long the CVM has been in service at the check time");
    }

    private static Check forbidden(List<ArgvPattern> patterns, DeploymentFacts facts) {
        List<String> found = new ArrayList<>();
        long commands = 0;
        for (DeploymentFacts.Event event : facts.history()) {
            if (event instanceof DeploymentFacts.Event.Command command) {
                commands++;
                for (ArgvPattern pattern : patterns) {
                    if (pattern.matches(command.argv())) {
                        found.add("entry " + command.when().seq() + " " + argv(command.argv()) + " matches " + argv(pattern.globs()));
                        break;
                    }
                }
            }
        }
        String scope = scope(facts);
        return found.isEmpty()
                ? Check.pass("policy.forbidden-commands", "no command matching " + patterns.size() + " pattern"
                        + (patterns.size() == 1 ? "" : "s"), "none of " + commands + " commands", "no forbidden command in the history" + scope)
                : Check.fail("policy.forbidden-commands", "no command matching the policy's forbiddenCommands", String.join("; ", found),
                        found.size() + " forbidden command" + (found.size() == 1 ? "" : "s") + " in the history" + scope);
    }

    private static Check windows(int max, DeploymentFacts facts) {
        long opened = facts.history().stream().filter(e -> e instanceof DeploymentFacts.Event.ModeChanged changed
                && changed.to() == CvmMode.IN_UPDATE).count();
        return Check.of(opened <= max, "policy.in-update-windows", "at most " + max, String.valueOf(opened),
                "times the CVM entered in-update in the history" + scope(facts));
    }

    private static Check age(Duration max, DeploymentFacts facts, Instant now) {
        Duration age = Duration.between(facts.issuedAt(), now);
        if (age.isNegative() && age.negated().compareTo(CLOCK_SKEW) > 0) {
            return Check.fail("policy.max-age", "issued at most " + max + " before the check time", "issued " + age.negated()
                    + " after it (" + facts.issuedAt() + ")", "the bundle claims to be issued in the future, beyond " + CLOCK_SKEW
                            + " of clock skew");
        }
        return Check.of(age.compareTo(max) <= 0, "policy.max-age", "at most " + max, (age.isNegative() ? Duration.ZERO : age)
                + " (issued " + facts.issuedAt() + ")", "the bundle's age at the check time");
    }

    private static Check nonce(DeploymentFacts facts) {
        if (facts.nonce().isEmpty()) {
            return Check.fail("policy.nonce", "a bundle answering the user's nonce", "none",
                    "the bundle answers no nonce, so it may be a replay of an older one");
        }
        return Check.of(facts.cvm().fresh().isPresent(), "policy.nonce", "the nonce bound into the bundle and a fresh CVM report",
                facts.cvm().fresh().isPresent() ? "both" : "no fresh CVM report",
                facts.cvm().fresh().isPresent() ? "the bundle and a fresh CVM report answer the user's nonce"
                        : "the bundle answers the nonce, but no fresh CVM report does: the machine answering now is not shown to be the attested one");
    }

    private static String scope(DeploymentFacts facts) {
        return facts.since().isPresent() ? " after log size " + facts.since().getAsLong() + " (the checkpoint the user already trusted)"
                : "";
    }

    /** An argv as JSON would write it, so every argument's boundaries and quotes stay visible. */
    static String argv(List<String> argv) {
        return argv.stream().map(PolicyRules::quoted).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String quoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                out.append('\\').appendCodePoint(c);
            } else if (BundleReport.unprintable(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('"').toString();
    }
}
