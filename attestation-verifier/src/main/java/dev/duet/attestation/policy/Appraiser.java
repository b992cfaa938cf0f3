package dev.duet.attestation.policy;

import dev.duet.attestation.Check;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.Verdict;
import dev.duet.attestation.collateral.LevelMatch;
import dev.duet.attestation.collateral.TcbAssessment;
import dev.duet.attestation.collateral.TcbInfo;
import dev.duet.attestation.collateral.TcbStatus;
import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.intel.QuoteVerification;
import dev.duet.attestation.intel.TdReport;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.SnpVerification;
import dev.duet.attestation.snp.TcbVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies an {@link AppraisalPolicy} to verified evidence. The verdict holds the verification's
 * checks followed by the policy's, so one list says everything that passed and failed.
 */
public final class Appraiser {
    private Appraiser() {}

    public static Verdict appraise(SnpVerification verification, AppraisalPolicy policy) {
        SnpReport report = verification.report();
        List<Check> checks = new ArrayList<>(verification.checks());
        checks.add(evidenceKind(TeeKind.SEV_SNP, policy));
        checks.add(debug(report.policy().debugAllowed(), policy, "the guest policy allows debugging (POLICY bit 19)"));
        checks.add(allowList("policy.measurement", "MEASUREMENT", report.measurement(), policy.snp().measurements()));
        checks.add(exact("policy.report-data", "REPORT_DATA", report.reportData(), policy.reportData()));
        checks.add(exact("policy.host-data", "HOST_DATA", report.hostData(), policy.snp().hostData()));
        if (policy.snp().vmpl().isPresent()) {
            checks.add(Check.of(report.vmpl() == policy.snp().vmpl().getAsInt(), "policy.vmpl",
                    String.valueOf(policy.snp().vmpl().getAsInt()), String.valueOf(report.vmpl()),
                    "the VMPL the report was requested from"));
        }
        if (policy.snp().minimumGuestSvn().isPresent()) {
            long minimum = policy.snp().minimumGuestSvn().getAsLong();
            checks.add(Check.of(report.guestSvn() >= minimum, "policy.guest-svn", ">= " + minimum,
                    String.valueOf(report.guestSvn()), "the guest's security version"));
        }
        report.signingKey().ifPresent(key -> checks.add(Check.of(policy.snp().signingKeys().contains(key),
                "policy.signing-key", "one of " + policy.snp().signingKeys(), key.name(), "the kind of endorsement key")));
        verification.reportedTcb().ifPresent(tcb -> checks.add(minimumTcb(tcb, policy.snp().minimumTcb())));
        return new Verdict(describe(verification), TeeKind.SEV_SNP, checks,
                new Verdict.Amd(verification.product(), verification.reportedTcb()));
    }

    /** The policy's first word: evidence of a kind it does not name is refused, however genuine. */
    public static Check evidenceKind(TeeKind kind, AppraisalPolicy policy) {
        return Check.of(policy.evidenceKinds().contains(kind), "policy.evidence-kind", "one of "
                + policy.evidenceKindsText(), kind.wire(), "the kinds of evidence the policy accepts");
    }

    private static String describe(SnpVerification verification) {
        return "SEV-SNP report v" + verification.report().version()
                + verification.product().map(p -> " (" + p.kdsName() + ")").orElse("") + ", trust: "
                + verification.trust();
    }

    public static Verdict appraise(QuoteVerification verification, AppraisalPolicy policy, Instant at) {
        List<Check> checks = new ArrayList<>(verification.checks());
        checks.add(evidenceKind(verification.quote().tee(), policy));
        if (verification.quote().body() instanceof TdReport td) {
            checks.add(debug(td.debug(), policy, "the TD is a debug TD (TDATTRIBUTES bit 0)"));
            checks.add(allowList("policy.mrtd", "MRTD", td.mrTd(), policy.tdx().mrTd()));
            for (int i = 0; i < 4; i++) {
                checks.add(allowList("policy.rtmr" + i, "RTMR" + i, td.rtmrs().get(i), policy.tdx().rtmrs().get(i)));
            }
            checks.add(allowList("policy.mrconfigid", "MRCONFIGID", td.mrConfigId(), policy.tdx().mrConfigId()));
            checks.add(exact("policy.report-data", "REPORTDATA", td.reportData(), policy.reportData()));
            policy.tdx().minimumTeeTcbSvn().ifPresent(minimum -> checks.add(teeTcbSvn(td.teeTcbSvn(), minimum)));
        } else {
            EnclaveReport enclave = (EnclaveReport) verification.quote().body();
            checks.add(debug(enclave.debug(), policy, "the enclave is a debug enclave (ATTRIBUTES.DEBUG)"));
            checks.add(allowList("policy.mrenclave", "MRENCLAVE", enclave.mrEnclave(), policy.sgx().mrEnclave()));
            checks.add(allowList("policy.mrsigner", "MRSIGNER", enclave.mrSigner(), policy.sgx().mrSigner()));
            checks.add(exact("policy.report-data", "REPORT_DATA", enclave.reportData(), policy.reportData()));
            policy.sgx().isvProdId().ifPresent(id -> checks.add(Check.of(enclave.isvProdId() == id, "policy.isvprodid",
                    String.valueOf(id), String.valueOf(enclave.isvProdId()), "the enclave's product id")));
            policy.sgx().minimumIsvSvn().ifPresent(min -> checks.add(Check.of(enclave.isvSvn() >= min, "policy.isvsvn",
                    ">= " + min, String.valueOf(enclave.isvSvn()), "the enclave's security version")));
        }
        checks.addAll(tcb(verification.tcb(), verification.tcbInfo(), policy.tcb(), at));
        return new Verdict(verification.quote().tee().wire().toUpperCase(java.util.Locale.ROOT) + " quote v"
                + verification.quote().header().version(), verification.quote().tee(), checks,
                new Verdict.Intel(verification.pck().map(PckCertificate::fmspc), verification.tcb(),
                        verification.quote().paddingBytes()));
    }

    private static List<Check> tcb(Optional<TcbAssessment> assessment, Optional<TcbInfo> info, AppraisalPolicy.Tcb policy,
            Instant at) {
        Set<String> accepted = new TreeSet<>(policy.acceptedStatuses().stream().map(TcbStatus::wire).toList());
        if (assessment.isEmpty()) {
            return policy.requireCollateral()
                    ? List.of(Check.fail("policy.tcb-status", "one of " + accepted, "unknown",
                            "no verified collateral for this platform, so its TCB status is unknown"))
                    : List.of(Check.pass("policy.tcb-status", "not evaluated: the policy does not require collateral"));
        }
        List<Check> checks = new ArrayList<>();
        TcbAssessment tcb = assessment.get();
        checks.add(status("policy.tcb-status", "platform", tcb.platform(), policy, accepted));
        tcb.module().ifPresent(module -> checks.add(status("policy.tdx-module-status", "TDX module", module, policy,
                accepted)));
        checks.add(status("policy.qe-status", "quoting enclave", tcb.qe(), policy, accepted));
        info.ifPresent(tcbInfo -> {
            Duration age = Duration.between(tcbInfo.issueDate(), at);
            checks.add(Check.of(age.compareTo(policy.maximumCollateralAge()) <= 0, "policy.collateral-age",
                    "at most " + policy.maximumCollateralAge().toDays() + " days", age.toDays() + " days",
                    "age of the TCB Info at the verification time"));
        });
        return checks;
    }

    private static Check status(String id, String what, LevelMatch match, AppraisalPolicy.Tcb policy, Set<String> accepted) {
        if (match instanceof LevelMatch.Matched matched) {
            return Check.of(policy.acceptedStatuses().contains(matched.status()), id, "one of " + accepted,
                    matched.toString(), "the " + what + "'s TCB status");
        }
        return Check.fail(id, "one of " + accepted, "no matching TCB level",
                "the " + what + " is below every TCB level Intel lists, so it has no status at all");
    }

    private static Check debug(boolean debug, AppraisalPolicy policy, String what) {
        if (!debug) {
            return Check.pass("policy.debug", "debug disabled");
        }
        return policy.allowDebug() ? Check.pass("policy.debug", "debug enabled", "debug enabled",
                what + "; the policy allows debug")
                : Check.fail("policy.debug", "debug disabled", "debug enabled",
                        what + ": the host can read and change its memory");
    }

    private static Check allowList(String id, String field, Octets actual, Set<Octets> allowed) {
        if (allowed.isEmpty()) {
            return Check.pass(id, field + " " + actual.hex() + " (no allow-list)");
        }
        return Check.of(allowed.contains(actual), id, allowed.size() == 1 ? allowed.iterator().next().hex()
                : "one of " + allowed.size() + " allowed values", actual.hex(), field + " against the allow-list");
    }

    private static Check exact(String id, String field, Octets actual, Optional<Octets> expected) {
        if (expected.isEmpty()) {
            return Check.pass(id, field + " not pinned by the policy");
        }
        return Check.of(expected.get().equals(actual), id, expected.get().hex(), actual.hex(), field);
    }

    private static Check minimumTcb(TcbVersion tcb, AppraisalPolicy.MinimumTcb minimum) {
        List<String> below = new ArrayList<>();
        below(below, "bootloader", tcb.bootloader(), minimum.bootloader());
        below(below, "tee", tcb.tee(), minimum.tee());
        below(below, "snp", tcb.snp(), minimum.snp());
        below(below, "microcode", tcb.microcode(), minimum.microcode());
        if (minimum.fmc().isPresent()) {
            below(below, "fmc", tcb.fmc().orElse(-1), minimum.fmc());
        }
        return below.isEmpty() ? Check.pass("policy.minimum-tcb", "REPORTED_TCB " + tcb + " meets the minimum")
                : Check.fail("policy.minimum-tcb", String.join(", ", below), tcb.toString(),
                        "REPORTED_TCB is below the policy's minimum");
    }

    private static void below(List<String> out, String name, int actual, OptionalInt minimum) {
        if (minimum.isPresent() && actual < minimum.getAsInt()) {
            out.add(name + " >= " + minimum.getAsInt());
        }
    }

    private static Check teeTcbSvn(Octets actual, Octets minimum) {
        List<String> below = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            if (actual.byteAt(i) < minimum.byteAt(i)) {
                below.add("TEE_TCB_SVN[" + i + "] >= " + minimum.byteAt(i));
            }
        }
        return below.isEmpty() ? Check.pass("policy.minimum-tee-tcb-svn", "TEE_TCB_SVN " + actual.hex() + " meets the minimum")
                : Check.fail("policy.minimum-tee-tcb-svn", String.join(", ", below), actual.hex(),
                        "the TDX module or microcode is below the policy's minimum");
    }
}
