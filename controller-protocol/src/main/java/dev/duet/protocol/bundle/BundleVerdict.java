package dev.duet.protocol.bundle;

import dev.duet.attestation.Check;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a user learns from a bundle: every check under the guarantee it supports, and the facts
 * established when the bundle's integrity holds. A deployment policy adds its own checks to the
 * same list ({@link #with}); {@link #trusted()} is derived, never stored.
 */
public record BundleVerdict(List<Graded> checks, Optional<DeploymentFacts> facts) {
    public BundleVerdict {
        checks = List.copyOf(checks);
        Objects.requireNonNull(facts, "facts");
    }

    /** One check and the guarantee it is evidence for. */
    public record Graded(Guarantee guarantee, Check check) {
        public Graded {
            Objects.requireNonNull(guarantee, "guarantee");
            Objects.requireNonNull(check, "check");
        }
    }

    public boolean trusted() {
        return facts.isPresent() && !checks.isEmpty() && checks.stream().allMatch(g -> g.check().passed());
    }

    public List<Graded> failures() {
        return checks.stream().filter(g -> !g.check().passed()).toList();
    }

    public List<Check> checksOf(Guarantee guarantee) {
        return checks.stream().filter(g -> g.guarantee() == guarantee).map(Graded::check).toList();
    }

    public BundleVerdict with(List<Graded> more) {
        return new BundleVerdict(Stream.concat(checks.stream(), more.stream()).toList(), facts);
    }
}
