package dev.duet.protocol.policy;

import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.log.note.Checkpoint;
import dev.duet.protocol.bundle.BundleTrust;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.DeploymentFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a user or a CI job accepts of a deployment (docs/policy-file.md): the controller and CVM
 * evidence it trusts, the owners, the mode, the history, the age. A policy has two uses: it says
 * whom to trust while a bundle is verified ({@link #bundleTrust}), and it judges the facts a
 * verified bundle establishes ({@link #evaluate}), each rule one check under the DESIGN §3
 * guarantee it is about. Read with {@link DeploymentPolicyParser}; pure.
 *
 * @param owners the owner key ids entry 0 must register, exactly: one more is one more party who can
 *     change the CVM; empty when the policy does not pin owners
 * @param mode what the CVM's mode must be, when the policy requires one
 * @param maxAge how old the bundle may be at the check time, when bounded
 * @param requireNonce whether the bundle must answer the user's nonce with a fresh CVM report
 * @param forbiddenCommands no logged command may match any of these
 * @param maxInUpdateWindows the most times the history may enter in-update, when bounded
 */
public record DeploymentPolicy(
        ControllerRules controller,
        CvmRules cvm,
        Optional<SortedSet<String>> owners,
        Optional<ModeRule> mode,
        Optional<Duration> maxAge,
        boolean requireNonce,
        List<ArgvPattern> forbiddenCommands,
        OptionalInt maxInUpdateWindows) {
    public DeploymentPolicy {
        Objects.requireNonNull(controller, "controller");
        Objects.requireNonNull(cvm, "cvm");
        owners = owners.map(ids -> Collections.unmodifiableSortedSet(new TreeSet<>(ids)));
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(maxAge, "maxAge");
        forbiddenCommands = List.copyOf(forbiddenCommands);
        Objects.requireNonNull(maxInUpdateWindows, "maxInUpdateWindows");
    }

    /**
     * The controller evidence the user accepts: the kinds and what the appraisal policy says of SNP
     * measurements and minimum TCB and TDX MRTD and minimum TEE_TCB_SVN (only those: the rest is fixed
     * by duet's key binding and the strict policy), and duet's simulated root when named by the SHA-256
     * of its ARK. Without {@code simulatedArk}, simulated evidence, the controller's or a CVM's, is never trusted.
     */
    public record ControllerRules(AppraisalPolicy evidence, Optional<Octets> simulatedArk) {
        public ControllerRules {
            Objects.requireNonNull(evidence, "evidence");
            Objects.requireNonNull(simulatedArk, "simulatedArk");
        }

        /** The SNP MEASUREMENTs and TDX MRTDs the user accepts, as the controller verifier takes them: one allow-list. */
        public Set<Octets> measurements() {
            Set<Octets> all = new HashSet<>(evidence.snp().measurements());
            all.addAll(evidence.tdx().mrTd());
            return Set.copyOf(all);
        }

        public ControllerEvidenceVerifier.Trust trust(AttestationVerifier vendor) {
            return new ControllerEvidenceVerifier.Trust(vendor, simulatedArk, measurements())
                    .requiringMinimumTcb(evidence.snp().minimumTcb(), evidence.tdx().minimumTeeTcbSvn());
        }
    }

    /**
     * The CVM evidence the user accepts: an appraisal policy for its launch (and fresh) evidence, and
     * whether an adopted CVM, which has no launch evidence, is acceptable at all (by default not:
     * nothing then attests what the machine booted).
     */
    public record CvmRules(AppraisalPolicy evidence, boolean allowAdoptedWithoutLaunchEvidence) {
        public CvmRules {
            Objects.requireNonNull(evidence, "evidence");
        }
    }

    /**
     * The CVM must be in service; when {@code sinceEntry} is given, since that log entry or an earlier
     * one (so nothing changed after it); when {@code forAtLeast} is given, for at least that long at the check time.
     */
    public record ModeRule(OptionalLong sinceEntry, Optional<Duration> forAtLeast) {
        public ModeRule {
            Objects.requireNonNull(sinceEntry, "sinceEntry");
            Objects.requireNonNull(forAtLeast, "forAtLeast");
        }
    }

    /**
     * Whom to trust while the bundle is verified: the vendor roots given, this policy's controller
     * builds, minimum TCB and simulated root, and its CVM appraisal policy. The user's nonce and
     * trusted checkpoint and the time come from the command line.
     */
    public BundleTrust bundleTrust(AttestationVerifier vendor, Optional<String> nonce, Optional<Checkpoint> trustedCheckpoint, Instant at) {
        return new BundleTrust(controller.trust(vendor), vendor, cvm.evidence(), nonce, trustedCheckpoint, at);
    }

    /** Every rule of this policy, each one check under its guarantee, judged on {@code facts} at {@code now}. */
    public List<BundleVerdict.Graded> evaluate(DeploymentFacts facts, Instant now) {
        return PolicyRules.of(this).stream().map(rule -> rule.judge(facts, now)).toList();
    }

    /**
     * The verdict with this policy's checks added: judged on its facts, or, when the bundle did not
     * establish any, every rule failed as not established, so nothing passes on facts nobody verified.
     */
    public BundleVerdict judge(BundleVerdict verdict, Instant now) {
        List<BundleVerdict.Graded> checks = verdict.facts().map(facts -> evaluate(facts, now))
                .orElseGet(() -> PolicyRules.of(this).stream().map(PolicyRules.Rule::notEstablished).toList());
        return verdict.with(checks);
    }
}
