package dev.duet.protocol.policy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.duet.attestation.Check;
import dev.duet.protocol.bundle.BundleVerdict;
import dev.duet.protocol.bundle.Guarantee;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Deployment policy files whatever the bytes (the first byte picks JSON or YAML): only
 * {@link DeploymentPolicyException} escapes the parser; a policy it accepts reads the same twice, and
 * judges a bundle that established no facts with failed checks only. Under plain {@code mvn test} it
 * replays its seeds (DeploymentPolicyFuzzTestInputs/policy: the policies of
 * DeploymentPolicyParserTest); with {@code -Pfuzz} Jazzer mutates them.
 */
class DeploymentPolicyFuzzTest {
    private static final BundleVerdict UNVERIFIED = new BundleVerdict(List.of(new BundleVerdict.Graded(Guarantee.SIGNED_BY_CONTROLLER,
            Check.fail("bundle.signature", "invalid signature"))), Optional.empty());

    @FuzzTest(maxDuration = "2m")
    void policy(byte[] input) {
        if (input.length == 0) {
            return;
        }
        DeploymentPolicyParser.Syntax syntax = (input[0] & 1) == 0 ? DeploymentPolicyParser.Syntax.JSON : DeploymentPolicyParser.Syntax.YAML;
        byte[] text = Arrays.copyOfRange(input, 1, input.length);
        DeploymentPolicy policy;
        try {
            policy = DeploymentPolicyParser.parse(text, syntax);
        } catch (DeploymentPolicyException refused) {
            return;
        }
        try {
            check(policy.equals(DeploymentPolicyParser.parse(text, syntax)), "the same bytes read as another policy");
        } catch (DeploymentPolicyException e) {
            throw new AssertionError("the same bytes were accepted and then refused: " + e.getMessage());
        }
        BundleVerdict judged = policy.judge(UNVERIFIED, Instant.EPOCH);
        check(!judged.trusted() && judged.checks().stream().noneMatch(g -> g.check().passed()), "a rule passed without facts");
    }

    private static void check(boolean holds, String finding) {
        if (!holds) {
            throw new AssertionError(finding);
        }
    }
}
