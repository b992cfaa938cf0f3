package dev.duet.attestation.policy;

import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.collateral.TcbStatus;
import dev.duet.attestation.snp.SigningKey;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What evidence must show to be accepted, beyond being genuine. It names the kinds of evidence it
 * accepts (evidence of any other kind is refused, however genuine); an empty allow-list accepts any
 * value; every other default is the strict one: no debug, VMPL 0, only UpToDate, collateral
 * required and at most 30 days old. See docs/attestation.md for the file format.
 *
 * <p>Sets that verdicts print keep their enum order, so the same policy always prints the same text.
 */
public record AppraisalPolicy(
        Set<TeeKind> evidenceKinds,
        boolean allowDebug,
        Optional<Octets> reportData,
        Snp snp,
        Tdx tdx,
        Sgx sgx,
        Tcb tcb) {

    /** The kinds a policy can accept: every kind except {@link TeeKind#NONE}. */
    public static final Set<TeeKind> ALL_KINDS = Collections.unmodifiableSet(EnumSet.of(TeeKind.SEV_SNP, TeeKind.TDX,
            TeeKind.SGX));

    public AppraisalPolicy {
        if (evidenceKinds.isEmpty() || evidenceKinds.contains(TeeKind.NONE)) {
            throw new IllegalArgumentException("a policy accepts one or more of sev-snp, tdx and sgx, not " + evidenceKinds);
        }
        evidenceKinds = ordered(evidenceKinds, TeeKind.class);
    }

    /** The accepted kinds as people and verdicts read them: {@code [tdx, sev-snp]}. */
    public String evidenceKindsText() {
        return evidenceKinds.stream().map(TeeKind::wire).collect(Collectors.joining(", ", "[", "]"));
    }

    private static <E extends Enum<E>> Set<E> ordered(Collection<E> values, Class<E> type) {
        EnumSet<E> copy = EnumSet.noneOf(type);
        copy.addAll(values);
        return Collections.unmodifiableSet(copy);
    }

    public record Snp(Set<Octets> measurements, Optional<Octets> hostData, OptionalInt vmpl, OptionalLong minimumGuestSvn,
            MinimumTcb minimumTcb, Set<SigningKey> signingKeys) {
        public Snp {
            measurements = Set.copyOf(measurements);
            signingKeys = ordered(signingKeys, SigningKey.class);
        }
    }

    /** Minimum security patch level per firmware component; an absent component is not checked. */
    public record MinimumTcb(OptionalInt bootloader, OptionalInt tee, OptionalInt snp, OptionalInt microcode,
            OptionalInt fmc) {
        public static final MinimumTcb NONE = new MinimumTcb(OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty());
    }

    public record Tdx(Set<Octets> mrTd, List<Set<Octets>> rtmrs, Set<Octets> mrConfigId, Optional<Octets> minimumTeeTcbSvn) {
        public Tdx {
            mrTd = Set.copyOf(mrTd);
            rtmrs = rtmrs.stream().map(Set::copyOf).toList();
            mrConfigId = Set.copyOf(mrConfigId);
        }
    }

    public record Sgx(Set<Octets> mrEnclave, Set<Octets> mrSigner, OptionalInt isvProdId, OptionalInt minimumIsvSvn) {
        public Sgx {
            mrEnclave = Set.copyOf(mrEnclave);
            mrSigner = Set.copyOf(mrSigner);
        }
    }

    /** Intel TCB appraisal: which statuses pass, whether collateral may be missing, how old it may be. */
    public record Tcb(Set<TcbStatus> acceptedStatuses, boolean requireCollateral, Duration maximumCollateralAge) {
        public Tcb {
            acceptedStatuses = ordered(acceptedStatuses, TcbStatus.class);
        }
    }

    /**
     * The strict policy for SEV-SNP reports only, pinning REPORT_DATA and, when given, MEASUREMENT:
     * what binding a guest's SSH host key to its report takes.
     */
    public static AppraisalPolicy strictBinding(Octets reportData, Optional<Octets> measurement) {
        AppraisalPolicy strict = strict();
        Snp snp = strict.snp();
        return new AppraisalPolicy(Set.of(TeeKind.SEV_SNP), false, Optional.of(reportData), new Snp(measurement.map(Set::of).orElse(Set.of()),
                snp.hostData(), snp.vmpl(), snp.minimumGuestSvn(), snp.minimumTcb(), snp.signingKeys()),
                strict.tdx(), strict.sgx(), strict.tcb());
    }

    /**
     * The policy used when none is given: any kind of evidence, genuine, not debug, VMPL 0, up to
     * date, fresh collateral. A policy file must name its kinds instead (see {@link PolicyParser}).
     */
    public static AppraisalPolicy strict() {
        return new AppraisalPolicy(ALL_KINDS, false, Optional.empty(),
                new Snp(Set.of(), Optional.empty(), OptionalInt.of(0), OptionalLong.empty(), MinimumTcb.NONE,
                        Set.of(SigningKey.VCEK, SigningKey.VLEK)),
                new Tdx(Set.of(), List.of(Set.of(), Set.of(), Set.of(), Set.of()), Set.of(), Optional.empty()),
                new Sgx(Set.of(), Set.of(), OptionalInt.empty(), OptionalInt.empty()),
                new Tcb(Set.of(TcbStatus.UP_TO_DATE), true, Duration.ofDays(30)));
    }
}
