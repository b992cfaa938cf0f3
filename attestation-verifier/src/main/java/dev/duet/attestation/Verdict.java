package dev.duet.attestation;

import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.snp.SnpProduct;
import dev.duet.attestation.snp.TcbVersion;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of verifying and appraising one piece of evidence: its kind, every check that ran, in
 * order and each under its own id, and the platform facts found on the way as values (not only inside
 * check texts), so a program can read them. Evidence is accepted only when there is at least one
 * check and none failed.
 */
public record Verdict(String evidence, TeeKind kind, List<Check> checks, Platform platform) {
    public Verdict {
        checks = List.copyOf(checks);
    }

    public boolean accepted() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** What verification learnt about the platform that produced the evidence. */
    public sealed interface Platform {}

    /** SEV-SNP: the product line and the decoded REPORTED_TCB, when they could be decided. */
    public record Amd(Optional<SnpProduct> product, Optional<TcbVersion> reportedTcb) implements Platform {}

    /**
     * TDX and SGX: the FMSPC of the PCK certificate (when its chain could be read), the TCB assessment
     * (when verified collateral for it was given) and the zero bytes that followed the quote.
     */
    public record Intel(Optional<Octets> fmspc, Optional<TcbAssessment> tcb, int paddingBytes) implements Platform {}
}
