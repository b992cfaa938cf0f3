package dev.duet.protocol.bundle;

import dev.duet.attestation.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A bundle's checks so far, each under its guarantee. */
final class GradedChecks {
    private final List<BundleVerdict.Graded> all = new ArrayList<>();

    GradedChecks add(Guarantee guarantee, Check check) {
        all.add(new BundleVerdict.Graded(guarantee, check));
        return this;
    }

    GradedChecks fail(Guarantee guarantee, String id, String reason) {
        return add(guarantee, Check.fail(id, reason));
    }

    GradedChecks pass(Guarantee guarantee, String id, String reason) {
        return add(guarantee, Check.pass(id, reason));
    }

    boolean failedUnder(Guarantee... guarantees) {
        return all.stream().anyMatch(g -> !g.check().passed() && List.of(guarantees).contains(g.guarantee()));
    }

    BundleVerdict verdict() {
        return new BundleVerdict(all, Optional.empty());
    }

    BundleVerdict verdict(DeploymentFacts facts) {
        return new BundleVerdict(all, Optional.of(facts));
    }
}
