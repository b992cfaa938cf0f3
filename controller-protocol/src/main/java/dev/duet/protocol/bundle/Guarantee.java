package dev.duet.protocol.bundle;

/**
 * The guarantees a user can verify (DESIGN.md §3), each the heading under which its checks are
 * reported: one JUnit test case each, one section of the human report each.
 */
public enum Guarantee {
    CONTROLLER_GENUINE(1, "controller-genuine", "the controller is genuine: its evidence chains to a trusted root, carries an accepted "
            + "measurement and binds its signing key"),
    SIGNED_BY_CONTROLLER(2, "signed-by-controller", "everything the bundle says is signed by that key"),
    CVM_GENUINE(3, "cvm-genuine", "the CVM is genuine: its evidence meets the policy and binds its SSH host key"),
    COMPLETE_HISTORY(4, "complete-history", "every change is in the log: nothing edited, dropped, reordered or rolled back"),
    IN_SERVICE(5, "in-service", "the CVM is in the mode the policy requires, since the entry it names, and its history is acceptable"),
    FRESH(6, "fresh", "the answer is fresh: the nonce is bound into a fresh signed state and CVM report, within the maximum age");

    private final int number;
    private final String id;
    private final String claim;

    Guarantee(int number, String id, String claim) {
        this.number = number;
        this.id = id;
        this.claim = claim;
    }

    public int number() {
        return number;
    }

    public String id() {
        return id;
    }

    public String claim() {
        return claim;
    }
}
