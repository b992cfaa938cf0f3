package dev.duet.attestation;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One named check of a verification or appraisal and its outcome. A failed check says what was
 * expected and what the evidence had, so a user can act on it without reading code. It is the one
 * vocabulary of every verdict a user reads: hardware evidence here, and a controller's signed
 * documents (CVM states, controller evidence) in {@code controller-protocol}.
 */
public record Check(String id, boolean passed, String expected, String actual, String reason) {
    public Check {
        Objects.requireNonNull(id);
        Objects.requireNonNull(expected);
        Objects.requireNonNull(actual);
        Objects.requireNonNull(reason);
    }

    public static Check pass(String id, String reason) {
        return new Check(id, true, "", "", reason);
    }

    public static Check pass(String id, String expected, String actual, String reason) {
        return new Check(id, true, expected, actual, reason);
    }

    public static Check fail(String id, String expected, String actual, String reason) {
        return new Check(id, false, expected, actual, reason);
    }

    public static Check fail(String id, String reason) {
        return new Check(id, false, "", "", reason);
    }

    public static Check of(boolean passed, String id, String expected, String actual, String reason) {
        return new Check(id, passed, expected, actual, reason);
    }

    /**
     * One check out of several findings of the same kind (one per CRL, say), so that a verdict names
     * each check once: it passes only when every part does, and a failure lists the failed parts.
     */
    public static Check combine(String id, List<Check> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to combine for " + id);
        }
        List<Check> failed = parts.stream().filter(part -> !part.passed()).toList();
        if (failed.isEmpty()) {
            return pass(id, parts.stream().map(Check::reason).collect(Collectors.joining("; ")));
        }
        return fail(id, failed.stream().map(Check::expected).collect(Collectors.joining("; ")),
                failed.stream().map(Check::actual).collect(Collectors.joining("; ")),
                failed.stream().map(Check::reason).collect(Collectors.joining("; ")));
    }

    /** One line for humans: {@code FAIL snp.tcb: reason (expected …, got …)}. */
    public String describe() {
        return (passed ? "ok   " : "FAIL ") + id + ": " + detail();
    }

    /** What the check found, in words: the reason, then what was expected and what was found, when there are values. */
    public String detail() {
        return expected.isEmpty() && actual.isEmpty() ? reason : reason + " (expected " + expected + ", got " + actual + ")";
    }
}
