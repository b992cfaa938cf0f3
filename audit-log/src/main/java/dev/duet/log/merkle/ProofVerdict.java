package dev.duet.log.merkle;

/** The outcome of checking a Merkle proof: it holds, or it does not and why. */
public sealed interface ProofVerdict {
    record Valid() implements ProofVerdict {}

    record Invalid(String reason) implements ProofVerdict {}

    default boolean holds() {
        return this instanceof Valid;
    }
}
