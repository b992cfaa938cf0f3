package dev.duet.log.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 9162 Merkle trees against published vectors and a brute-force check.
 *
 * <p>Vectors: the RFC 6962 / Certificate Transparency test data as published in
 * transparency-dev/merkle ({@code testonly/constants.go}, {@code proof/verify_test.go}; Apache-2.0),
 * which carries them over from Google's certificate-transparency reference implementation. The
 * inclusion vectors there number leaves from 1; here they are converted to 0-based indexes.
 */
class MerkleTest {
    private static final List<byte[]> LEAF_INPUTS = List.of(hex(""), hex("00"), hex("10"), hex("2021"), hex("3031"), hex("40414243"),
            hex("5051525354555657"), hex("606162636465666768696a6b6c6d6e6f"));
    private static final List<String> ROOTS = List.of(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    record Inclusion(int index, int size, List<String> path) {}

    record Consistency(int first, int second, List<String> proof) {}

    private static final List<Inclusion> INCLUSIONS = List.of(
            new Inclusion(0, 1, List.of()),
            new Inclusion(0, 8, List.of("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
            new Inclusion(5, 8, List.of("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            new Inclusion(2, 3, List.of("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
            new Inclusion(1, 5, List.of("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")));

    private static final List<Consistency> CONSISTENCIES = List.of(
            new Consistency(1, 1, List.of()),
            new Consistency(1, 8, List.of("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
            new Consistency(6, 8, List.of("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            new Consistency(2, 5, List.of("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
            new Consistency(6, 7, List.of("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")));

    private static final Sha256Hash SOME_HASH = Sha256Hash.parseHex("abacaba000000000000000000000000000000000000000000060061e00123456");

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static Sha256Hash h(String s) {
        return Sha256Hash.parseHex(s);
    }

    private static List<Sha256Hash> hashes(List<String> hex) {
        return hex.stream().map(MerkleTest::h).toList();
    }

    private static List<Sha256Hash> leaves() {
        return LEAF_INPUTS.stream().map(MerkleHashes::leaf).toList();
    }

    @Test
    void rootsOfEverySizeMatchThePublishedVectors() {
        MerkleFrontier frontier = new MerkleFrontier();
        assertThat(frontier.root()).isEqualTo(h(ROOTS.get(0)));
        for (int size = 1; size <= 8; size++) {
            frontier.append(leaves().get(size - 1));
            assertThat(frontier.root()).as("size " + size).isEqualTo(h(ROOTS.get(size)));
            assertThat(MerkleProofs.over(leaves()).root(0, size)).isEqualTo(h(ROOTS.get(size)));
        }
    }

    @Test
    void publishedInclusionProofsAreGeneratedAndVerifiedAndEveryMutationFails() {
        for (Inclusion v : INCLUSIONS) {
            List<Sha256Hash> path = hashes(v.path());
            Sha256Hash leaf = leaves().get(v.index());
            Sha256Hash root = h(ROOTS.get(v.size()));
            assertThat(MerkleProofs.over(leaves()).inclusion(v.index(), v.size())).as(v.toString()).isEqualTo(path);
            assertThat(ProofVerifier.verifyInclusion(v.index(), v.size(), leaf, path, root).holds()).as(v.toString()).isTrue();
            for (Probe probe : inclusionProbes(v.index(), v.size(), leaf, path, root)) {
                assertThat(ProofVerifier.verifyInclusion(probe.index, probe.size, probe.leaf, probe.path, probe.root).holds())
                        .as(v + ": " + probe.what).isFalse();
            }
        }
    }

    record Probe(String what, long index, long size, Sha256Hash leaf, List<Sha256Hash> path, Sha256Hash root) {}

    private static List<Probe> inclusionProbes(long index, long size, Sha256Hash leaf, List<Sha256Hash> path, Sha256Hash root) {
        List<Probe> probes = new ArrayList<>(List.of(
                new Probe("index - 1", index - 1, size, leaf, path, root),
                new Probe("index + 1", index + 1, size, leaf, path, root),
                new Probe("index ^ 2", index ^ 2, size, leaf, path, root),
                new Probe("size * 2", index, size * 2, leaf, path, root),
                new Probe("size / 2", index, size / 2, leaf, path, root),
                new Probe("index = size", size, size, leaf, path, root),
                new Probe("wrong leaf", index, size, MerkleHashes.leaf(new byte[] {1}), path, root),
                new Probe("empty root", index, size, leaf, path, MerkleHashes.EMPTY_ROOT),
                new Probe("other root", index, size, leaf, path, SOME_HASH),
                new Probe("trailing root", index, size, leaf, plus(path, root, false), root),
                new Probe("preceding root", index, size, leaf, plus(path, root, true), root)));
        for (int i = 0; i < path.size(); i++) {
            List<Sha256Hash> flipped = new ArrayList<>(path);
            byte[] b = flipped.get(i).toByteArray();
            b[0] ^= 8;
            flipped.set(i, Sha256Hash.wrap(b));
            probes.add(new Probe("flipped sibling " + i, index, size, leaf, flipped, root));
        }
        if (!path.isEmpty()) {
            probes.add(new Probe("missing hash", index, size, leaf, path.subList(0, path.size() - 1), root));
        }
        if (path.size() > 1) {
            List<Sha256Hash> swapped = new ArrayList<>(path);
            java.util.Collections.swap(swapped, 0, 1);
            probes.add(new Probe("swapped order", index, size, leaf, swapped, root));
            List<Sha256Hash> inserted = new ArrayList<>(path);
            inserted.add(1, SOME_HASH);
            probes.add(new Probe("extra hash", index, size, leaf, inserted, root));
        }
        return probes;
    }

    private static List<Sha256Hash> plus(List<Sha256Hash> path, Sha256Hash extra, boolean front) {
        List<Sha256Hash> out = new ArrayList<>(path);
        if (front) {
            out.add(0, extra);
        } else {
            out.add(extra);
        }
        return out;
    }

    @Test
    void publishedConsistencyProofsAreGeneratedAndVerifiedAndEveryMutationFails() {
        for (Consistency v : CONSISTENCIES) {
            List<Sha256Hash> proof = hashes(v.proof());
            Sha256Hash r1 = h(ROOTS.get(v.first()));
            Sha256Hash r2 = h(ROOTS.get(v.second()));
            assertThat(MerkleProofs.over(leaves()).consistency(v.first(), v.second())).as(v.toString()).isEqualTo(proof);
            assertThat(ProofVerifier.verifyConsistency(v.first(), v.second(), r1, r2, proof).holds()).as(v.toString()).isTrue();
            if (proof.isEmpty()) {
                continue;
            }
            List<Object[]> probes = new ArrayList<>(List.of(
                    new Object[] {"first - 1", v.first() - 1L, (long) v.second(), r1, r2, proof},
                    new Object[] {"first + 1", v.first() + 1L, (long) v.second(), r1, r2, proof},
                    new Object[] {"first ^ 2", (long) (v.first() ^ 2), (long) v.second(), r1, r2, proof},
                    new Object[] {"second * 2", (long) v.first(), v.second() * 2L, r1, r2, proof},
                    new Object[] {"second / 2", (long) v.first(), v.second() / 2L, r1, r2, proof},
                    new Object[] {"from > to", (long) v.second(), (long) v.first(), r2, r1, proof},
                    new Object[] {"wrong first root", (long) v.first(), (long) v.second(), SOME_HASH, r2, proof},
                    new Object[] {"wrong second root", (long) v.first(), (long) v.second(), r1, SOME_HASH, proof},
                    new Object[] {"swapped roots", (long) v.first(), (long) v.second(), r2, r1, proof},
                    new Object[] {"empty proof", (long) v.first(), (long) v.second(), r1, r2, List.of()},
                    new Object[] {"trailing first root", (long) v.first(), (long) v.second(), r1, r2, plus(proof, r1, false)},
                    new Object[] {"preceding second root", (long) v.first(), (long) v.second(), r1, r2, plus(proof, r2, true)},
                    new Object[] {"preceding proof[0]", (long) v.first(), (long) v.second(), r1, r2, plus(proof, proof.get(0), true)},
                    new Object[] {"truncated", (long) v.first(), (long) v.second(), r1, r2, proof.subList(0, proof.size() - 1)}));
            for (int i = 0; i < proof.size(); i++) {
                List<Sha256Hash> flipped = new ArrayList<>(proof);
                byte[] b = flipped.get(i).toByteArray();
                b[0] ^= 16;
                flipped.set(i, Sha256Hash.wrap(b));
                probes.add(new Object[] {"flipped " + i, (long) v.first(), (long) v.second(), r1, r2, flipped});
            }
            for (Object[] p : probes) {
                @SuppressWarnings("unchecked")
                List<Sha256Hash> pr = (List<Sha256Hash>) p[5];
                assertThat(ProofVerifier.verifyConsistency((long) p[1], (long) p[2], (Sha256Hash) p[3], (Sha256Hash) p[4], pr).holds())
                        .as(v + ": " + p[0]).isFalse();
            }
        }
    }

    @Test
    void edgeCasesOfConsistency() {
        Sha256Hash a = SOME_HASH;
        Sha256Hash b = MerkleHashes.EMPTY_ROOT;
        assertThat(ProofVerifier.verifyConsistency(0, 0, a, a, List.of()).holds()).isTrue();
        assertThat(ProofVerifier.verifyConsistency(0, 1, a, b, List.of()).holds()).isTrue();
        assertThat(ProofVerifier.verifyConsistency(1, 1, a, b, List.of()))
                .isEqualTo(new ProofVerdict.Invalid("equal sizes with different roots: a fork"));
        assertThat(ProofVerifier.verifyConsistency(1, 1, b, b, List.of(b)).holds()).isFalse();
        assertThat(ProofVerifier.verifyConsistency(0, 1, b, b, List.of(b)).holds()).isFalse();
        assertThat(ProofVerifier.verifyConsistency(2, 1, a, b, List.of()).holds()).isFalse();
        assertThat(ProofVerifier.verifyInclusion(0, 0, a, List.of(), a).holds()).isFalse();
        assertThatThrownBy(() -> MerkleProofs.over(leaves()).inclusion(8, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleProofs.over(leaves()).consistency(5, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The allocation-free append (leaf hashes in an array, at an offset) builds the same tree as
     * appending hash objects, at every size and after a copy; the sink sees every completed subtree.
     */
    @Test
    void appendingFromAnArrayBuildsTheSameTreeAsAppendingHashes() {
        MerkleFrontier objects = new MerkleFrontier();
        MerkleFrontier arrays = new MerkleFrontier();
        List<Sha256Hash> leaves = new ArrayList<>();
        byte[] packed = new byte[7 + 300 * 32];
        List<String> completed = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            Sha256Hash leaf = MerkleHashes.leaf(("entry " + n).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            leaves.add(leaf);
            System.arraycopy(leaf.toByteArray(), 0, packed, 7 + n * 32, 32);
            objects.append(leaf, (level, index, hash) -> completed.add(level + "/" + index + "=" + hash));
            arrays.append(packed, 7 + n * 32);
            assertThat(arrays.size()).isEqualTo(n + 1);
            assertThat(arrays.root()).as("size %d", n + 1).isEqualTo(objects.root()).isEqualTo(MerkleProofs.over(leaves).root(0, n + 1));
        }
        MerkleFrontier copy = arrays.copy();
        copy.append(packed, 7);
        assertThat(arrays.root()).as("a copy appends on its own").isEqualTo(objects.root());
        assertThat(copy.root()).isNotEqualTo(arrays.root());
        // Each leaf, and a merge per trailing 1 bit of each old size: 300 - bitCount(300) = 296 of them, one the 256-leaf subtree.
        assertThat(completed).hasSize(300 + 296).contains("8/0=" + MerkleProofs.over(leaves).root(0, 256));
    }

    /** Every size 1..64: the incremental root equals MTH, and every inclusion and consistency proof verifies. */
    @Test
    void bruteForceEverySizeUpTo64() {
        List<Sha256Hash> leaves = new ArrayList<>();
        MerkleFrontier frontier = new MerkleFrontier();
        for (int n = 1; n <= 64; n++) {
            Sha256Hash leaf = MerkleHashes.leaf(("entry " + n).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            leaves.add(leaf);
            frontier.append(leaf);
            MerkleProofs tree = MerkleProofs.over(leaves);
            Sha256Hash root = tree.root(0, n);
            assertThat(frontier.root()).as("size " + n).isEqualTo(root);
            for (int i = 0; i < n; i++) {
                List<Sha256Hash> path = tree.inclusion(i, n);
                assertThat(ProofVerifier.verifyInclusion(i, n, leaves.get(i), path, root).holds()).as(i + " in " + n).isTrue();
                if (n > 1) {
                    assertThat(ProofVerifier.verifyInclusion(i, n, leaves.get((i + 1) % n), path, root).holds()).isFalse();
                }
            }
            for (int m = 0; m <= n; m++) {
                List<Sha256Hash> proof = tree.consistency(m, n);
                assertThat(ProofVerifier.verifyConsistency(m, n, tree.root(0, m), root, proof).holds()).as(m + " to " + n).isTrue();
                if (m > 0 && m < n) {
                    assertThat(ProofVerifier.verifyConsistency(m, n, MerkleHashes.leaf(new byte[] {9}), root, proof).holds()).isFalse();
                }
            }
        }
    }
}
