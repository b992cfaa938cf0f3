package dev.duet.log.merkle;

import dev.duet.log.Sha256Hash;
import java.util.List;

/**
 * Pure verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs. Every
 * input that is not exactly a proof for the stated index and sizes is {@link ProofVerdict.Invalid}.
 */
public final class ProofVerifier {
    private ProofVerifier() {}

    public static ProofVerdict verifyInclusion(long index, long size, Sha256Hash leafHash, List<Sha256Hash> path, Sha256Hash root) {
        if (index < 0 || index >= size) {
            return invalid("index " + index + " is not below the tree size " + size);
        }
        long fn = index;
        long sn = size - 1;
        Sha256Hash r = leafHash;
        for (Sha256Hash p : path) {
            if (sn == 0) {
                return invalid("the path is longer than the tree is high");
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleHashes.node(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                r = MerkleHashes.node(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            return invalid("the path is shorter than the tree is high");
        }
        return r.equals(root) ? new ProofVerdict.Valid() : invalid("the path leads to root " + r + ", not " + root);
    }

    public static ProofVerdict verifyConsistency(long first, long second, Sha256Hash firstRoot, Sha256Hash secondRoot, List<Sha256Hash> proof) {
        if (first < 0 || first > second) {
            return invalid("tree size " + first + " is not at most " + second);
        }
        if (first == second) {
            if (!proof.isEmpty()) {
                return invalid("a proof between equal sizes must be empty");
            }
            return firstRoot.equals(secondRoot) ? new ProofVerdict.Valid() : invalid("equal sizes with different roots: a fork");
        }
        if (first == 0) {
            return proof.isEmpty() ? new ProofVerdict.Valid() : invalid("a proof from the empty tree must be empty");
        }
        if (proof.isEmpty()) {
            return invalid("empty consistency proof");
        }
        int start = 0;
        Sha256Hash fr;
        Sha256Hash sr;
        if (Long.bitCount(first) == 1) {
            fr = firstRoot;
        } else {
            fr = proof.get(0);
            start = 1;
        }
        sr = fr;
        long fn = first - 1;
        long sn = second - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        for (int i = start; i < proof.size(); i++) {
            Sha256Hash c = proof.get(i);
            if (sn == 0) {
                return invalid("the proof is longer than the tree is high");
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = MerkleHashes.node(c, fr);
                sr = MerkleHashes.node(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                sr = MerkleHashes.node(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            return invalid("the proof is shorter than the tree is high");
        }
        if (!fr.equals(firstRoot)) {
            return invalid("the proof does not lead to the first root: not an extension of it");
        }
        return sr.equals(secondRoot) ? new ProofVerdict.Valid() : invalid("the proof does not lead to the second root");
    }

    private static ProofVerdict invalid(String reason) {
        return new ProofVerdict.Invalid(reason);
    }
}
