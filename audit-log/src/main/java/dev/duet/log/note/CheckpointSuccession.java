package dev.duet.log.note;

import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.ProofVerdict;
import dev.duet.log.merkle.ProofVerifier;
import java.util.List;
import java.util.Optional;

/**
 * Whether a newly seen checkpoint may follow the one a client remembers for the same log. Both must
 * already be verified. A smaller tree is a rollback; the same size with another root, or a larger
 * tree that the consistency proof does not link to the remembered one, is a fork (a split view).
 */
public final class CheckpointSuccession {
    private CheckpointSuccession() {}

    /** Supplies an RFC 9162 consistency proof, fetched only when the sizes call for one. */
    @FunctionalInterface
    public interface ConsistencyProofs<E extends Exception> {
        List<Sha256Hash> between(long from, long to) throws E;
    }

    public sealed interface Verdict {
        /** Nothing was remembered: the offered checkpoint is the first. */
        record First(Checkpoint offered) implements Verdict {}

        /** The same tree again. */
        record Same(Checkpoint offered) implements Verdict {}

        /** A larger tree that contains the remembered one. */
        record Extends(Checkpoint remembered, Checkpoint offered) implements Verdict {}

        /** A smaller tree than one already seen: the log was rolled back. */
        record Rollback(Checkpoint remembered, Checkpoint offered) implements Verdict {}

        /** Two trees that cannot both be views of one append-only log. */
        record Fork(Checkpoint remembered, Checkpoint offered, String reason) implements Verdict {}
    }

    public static <E extends Exception> Verdict check(Optional<Checkpoint> remembered, Checkpoint offered, ConsistencyProofs<E> proofs) throws E {
        if (remembered.isEmpty()) {
            return new Verdict.First(offered);
        }
        Checkpoint old = remembered.get();
        if (!old.origin().equals(offered.origin())) {
            throw new IllegalArgumentException("checkpoints of different logs cannot be compared");
        }
        if (offered.size() < old.size()) {
            return new Verdict.Rollback(old, offered);
        }
        if (offered.size() == old.size()) {
            return old.root().equals(offered.root()) ? new Verdict.Same(offered)
                    : new Verdict.Fork(old, offered, "same size, different roots");
        }
        ProofVerdict proof = ProofVerifier.verifyConsistency(old.size(), offered.size(), old.root(), offered.root(),
                proofs.between(old.size(), offered.size()));
        return proof.holds() ? new Verdict.Extends(old, offered)
                : new Verdict.Fork(old, offered, ((ProofVerdict.Invalid) proof).reason());
    }
}
