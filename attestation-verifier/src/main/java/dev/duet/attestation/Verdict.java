package dev.duet.attestation;

import java.util.List;

/**
 * The outcome of verifying and appraising one piece of evidence: every check that ran, in order.
 * Evidence is accepted only when there is at least one check and none failed.
 */
public record Verdict(String evidence, List<Check> checks) {
    public Verdict {
        checks = List.copyOf(checks);
    }

    public boolean accepted() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }
}
