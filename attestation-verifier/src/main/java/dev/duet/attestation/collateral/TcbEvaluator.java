package dev.duet.attestation.collateral;

import dev.duet.attestation.Octets;
import dev.duet.attestation.intel.EnclaveReport;
import dev.duet.attestation.intel.PckCertificate;
import dev.duet.attestation.intel.TdReport;
import java.util.List;
import java.util.Optional;

/**
 * Intel's TCB level matching (as in the DCAP Quote Verification Library): the platform level is the
 * first level whose every SGX component SVN and PCESVN the PCK certificate meets and, for TDX, whose
 * TEE_TCB_SVN components the TD report meets (the first two are skipped when TEE_TCB_SVN[1] is not
 * zero, because the module identity covers them); the TDX module level is the first level of
 * module identity {@code TDX_<TEE_TCB_SVN[1]>} whose ISVSVN is at most TEE_TCB_SVN[0]; the QE level
 * is the first whose ISVSVN is at most the QE report's. Identity mismatches (signer, product,
 * masked attributes) are returned as problems, not as levels.
 */
public final class TcbEvaluator {
    private TcbEvaluator() {}

    public static LevelMatch platform(TcbInfo info, PckCertificate pck, Optional<TdReport> td) {
        for (TcbLevel level : info.levels()) {
            if (meetsSgx(level, pck) && td.map(report -> meetsTdx(level, report.teeTcbSvn())).orElse(true)) {
                return new LevelMatch.Matched(level.status(), Optional.of(level.tcbDate()), level.advisoryIds());
            }
        }
        return new LevelMatch.NoMatchingLevel("the platform's SVNs (PCK " + pck.compSvn() + " PCESVN " + pck.pceSvn()
                + td.map(r -> ", TEE_TCB_SVN " + r.teeTcbSvn().hex()).orElse("") + ") are below every one of the "
                + info.levels().size() + " levels for FMSPC " + info.fmspc().hex());
    }

    private static boolean meetsSgx(TcbLevel level, PckCertificate pck) {
        for (int i = 0; i < 16; i++) {
            if (pck.compSvn().get(i) < level.sgxComponents().get(i)) {
                return false;
            }
        }
        return pck.pceSvn() >= level.pceSvn();
    }

    private static boolean meetsTdx(TcbLevel level, Octets teeTcbSvn) {
        int from = teeTcbSvn.byteAt(1) > 0 ? 2 : 0;
        for (int i = from; i < 16; i++) {
            if (teeTcbSvn.byteAt(i) < level.tdxComponents().get(i)) {
                return false;
            }
        }
        return true;
    }

    /** The TDX module's identity and level; empty when TEE_TCB_SVN[1] is zero (no module identity applies). */
    public static Optional<ModuleResult> module(TcbInfo info, TdReport td) {
        int major = td.teeTcbSvn().byteAt(1);
        if (major == 0) {
            return Optional.empty();
        }
        String id = String.format("TDX_%02X", major);
        Optional<TdxModuleIdentity> identity = info.tdxModuleIdentities().stream()
                .filter(m -> m.id().equalsIgnoreCase(id)).findFirst();
        if (identity.isEmpty()) {
            return Optional.of(new ModuleResult(id, List.of(),
                    new LevelMatch.NoMatchingLevel("the TCB Info has no module identity " + id)));
        }
        TdxModuleIdentity module = identity.get();
        List<String> problems = new java.util.ArrayList<>();
        if (!module.mrSigner().equals(td.mrSignerSeam())) {
            problems.add("MRSIGNERSEAM " + td.mrSignerSeam().hex() + " is not " + module.mrSigner().hex());
        }
        if (!maskedEqual(td.seamAttributes(), module.attributes(), module.attributesMask())) {
            problems.add("SEAMATTRIBUTES " + td.seamAttributes().hex() + " do not match " + module.attributes().hex()
                    + " under mask " + module.attributesMask().hex());
        }
        int isvSvn = td.teeTcbSvn().byteAt(0);
        return Optional.of(new ModuleResult(id, problems, identityLevel(module.levels(), isvSvn,
                "module " + id + " ISVSVN " + isvSvn)));
    }

    /** A module identity's problems and level. */
    public record ModuleResult(String id, List<String> problems, LevelMatch level) {
        public ModuleResult {
            problems = List.copyOf(problems);
        }
    }

    /** The quoting enclave against its identity: problems and level. */
    public static ModuleResult qe(EnclaveIdentity identity, EnclaveReport qe, boolean tdx) {
        List<String> problems = new java.util.ArrayList<>();
        String expectedId = tdx ? "TD_QE" : "QE";
        if (!identity.id().equals(expectedId)) {
            problems.add("the identity is " + identity.id() + ", but a " + (tdx ? "TDX" : "SGX") + " quote needs "
                    + expectedId);
        }
        if (!identity.mrSigner().equals(qe.mrSigner())) {
            problems.add("QE MRSIGNER " + qe.mrSigner().hex() + " is not " + identity.mrSigner().hex());
        }
        if (identity.isvProdId() != qe.isvProdId()) {
            problems.add("QE ISVPRODID " + qe.isvProdId() + " is not " + identity.isvProdId());
        }
        byte[] misc = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.BIG_ENDIAN).putInt((int) qe.miscSelect())
                .array();
        if (!maskedEqual(Octets.copyOf(misc), identity.miscSelect(), identity.miscSelectMask())) {
            problems.add("QE MISCSELECT " + Octets.copyOf(misc).hex() + " does not match " + identity.miscSelect().hex());
        }
        if (!maskedEqual(qe.attributes(), identity.attributes(), identity.attributesMask())) {
            problems.add("QE ATTRIBUTES " + qe.attributes().hex() + " do not match " + identity.attributes().hex()
                    + " under mask " + identity.attributesMask().hex());
        }
        return new ModuleResult(identity.id(), problems, identityLevel(identity.levels(), qe.isvSvn(),
                "QE ISVSVN " + qe.isvSvn()));
    }

    private static LevelMatch identityLevel(List<IdentityLevel> levels, int isvSvn, String what) {
        for (IdentityLevel level : levels) {
            if (isvSvn >= level.isvSvn()) {
                return new LevelMatch.Matched(level.status(), level.tcbDate(), level.advisoryIds());
            }
        }
        return new LevelMatch.NoMatchingLevel(what + " is below every level");
    }

    private static boolean maskedEqual(Octets actual, Octets expected, Octets mask) {
        if (actual.length() != expected.length() || expected.length() != mask.length()) {
            return false;
        }
        for (int i = 0; i < mask.length(); i++) {
            if ((actual.byteAt(i) & mask.byteAt(i)) != (expected.byteAt(i) & mask.byteAt(i))) {
                return false;
            }
        }
        return true;
    }
}
