package dev.duet.protocol;

/** Names shared by the controller that writes signed CVM state and the verifier that reads it. */
public final class CvmState {
    public static final String FORMAT = "duet.cvm-state/v1";
    /** A CVM's signed state as a summary of constant size; its history comes by page or in a bundle. */
    public static final String FORMAT_V2 = "duet.cvm-state/v2";
    public static final String BUNDLE_FORMAT = "duet.bundle/v1";
    /** A v2 summary saved with the CVM's history beside it ({@code duet state --out}), to verify offline. */
    public static final String SAVED_FORMAT = "duet.saved-state/v1";
    public static final String EVIDENCE_FORMAT = "duet.controller-evidence/v1";
    /** A CVM's id: {@code cvm-} and 16 lowercase hex digits. A CVM's name never has this form, so the two cannot be confused. */
    public static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("cvm-[0-9a-f]{16}");
    /** The id's form in any case: no CVM may be named so, since the name would read as an id (or a mistyped one). */
    public static final java.util.regex.Pattern ID_LIKE = java.util.regex.Pattern.compile("(?i)cvm-[0-9a-f]{16}");

    private CvmState() {}

    /**
     * The members a summary's {@code cvm} object carries of the policy (issue 12), as the CVM's
     * history sets them: {@code policy} (version, sha256, and the seq of the entry that set it, null
     * for the built-in default) and {@code commands_in_service}, the commands the policy allowed
     * in-service since the CVM last switched there. The controller writes them; the verifiers check
     * them against their own replay ({@link CvmStateVerifier#policyChecks}).
     */
    public static void putPolicy(com.fasterxml.jackson.databind.node.ObjectNode cvm, CvmHistory.Replay replay) {
        CvmHistory.Policy p = replay.policy();
        com.fasterxml.jackson.databind.node.ObjectNode policy = cvm.putObject("policy").put("version", p.version()).put("sha256", p.sha256());
        p.seq().ifPresentOrElse(seq -> policy.put("seq", seq), () -> policy.putNull("seq"));
        cvm.put("commands_in_service", replay.inServiceCommands());
    }
}
