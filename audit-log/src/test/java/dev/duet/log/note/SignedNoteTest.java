package dev.duet.log.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.log.Sha256Hash;
import dev.duet.log.TestSigners;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Signed notes and checkpoints. The reference vector is the example of golang.org/x/mod/sumdb/note
 * (note.go and note_test.go; BSD-3-Clause): its PeterNeumann key pair and published signature.
 */
class SignedNoteTest {
    static final String GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    static final String GO_SIGNER_SEED = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    static final String GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    static final String GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    static UnaryOperator<byte[]> signer(PrivateKey key) {
        return TestSigners.ed25519(key);
    }

    static UnaryOperator<byte[]> goSigner() throws Exception {
        byte[] typeAndSeed = Base64.getDecoder().decode(GO_SIGNER_SEED);
        assertThat(typeAndSeed[0]).isEqualTo((byte) 1);
        byte[] pkcs8 = HexFormat.of().parseHex("302e020100300506032b657004220420");
        pkcs8 = Arrays.copyOf(pkcs8, pkcs8.length + 32);
        System.arraycopy(typeAndSeed, 1, pkcs8, pkcs8.length - 32, 32);
        return signer(KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
    }

    record Generated(NoteVerifierKey key, UnaryOperator<byte[]> sign) {}

    static Generated generate(String name) throws Exception {
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        return new Generated(NoteVerifierKey.fromSpki(name, pair.getPublic().getEncoded()), signer(pair.getPrivate()));
    }

    @Test
    void reproducesAndOpensTheGoReferenceNote() throws Exception {
        NoteVerifierKey key = NoteVerifierKey.parse(GO_VERIFIER_KEY);
        assertThat(key.toString()).isEqualTo(GO_VERIFIER_KEY);
        assertThat(SignedNote.sign(GO_TEXT, key, goSigner()).encode()).isEqualTo(GO_NOTE);
        assertThat(SignedNote.parse(GO_NOTE).open(key)).isEqualTo(GO_TEXT);
        assertThatThrownBy(() -> SignedNote.parse(GO_NOTE.replace("cryptography", "cryptographY")).open(key))
                .isInstanceOf(NoteRejectedException.class).hasMessageContaining("invalid signature");
    }

    @Test
    void verifierKeysAreParsedStrictly() {
        for (String bad : List.of("", "PeterNeumann", "PeterNeumann+c74f20a3", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX")) {
            assertThatThrownBy(() -> NoteVerifierKey.parse(bad)).as(bad).isInstanceOf(MalformedNoteException.class);
        }
    }

    /**
     * The eight points of small order (the curve's cofactor is 8) and two non-canonical encodings
     * (y at or above p), as in {@code Ed25519KeyPairTest}, and a mixed-order point (a real key plus
     * the point of order 2). Under a small-order key the JDK's verifier accepts R = identity, S = 0
     * for every message: none of these is a key, whether given raw or as a verifier key's text.
     */
    @Test
    void smallOrderMixedOrderAndNonCanonicalPointsAreRefused() throws Exception {
        List<byte[]> points = new java.util.ArrayList<>();
        for (String point : List.of(
                "0100000000000000000000000000000000000000000000000000000000000000",
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "0000000000000000000000000000000000000000000000000000000000000000",
                "0000000000000000000000000000000000000000000000000000000000000080",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
                "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")) {
            points.add(HexFormat.of().parseHex(point));
        }
        byte[] spki = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        byte[] key = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        NoteVerifierKey.of("real", key);
        byte[] mixedOrder = plusTheOrderTwoPoint(key);
        // On the curve and canonical, so only the subgroup check can refuse it.
        assertThat(org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartial(mixedOrder, 0)).isTrue();
        points.add(mixedOrder);
        for (byte[] point : points) {
            String hex = HexFormat.of().formatHex(point);
            assertThatThrownBy(() -> NoteVerifierKey.of("forger", point)).as(hex).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("prime-order");
            byte[] typeAndKey = new byte[33];
            typeAndKey[0] = NoteVerifierKey.ED25519;
            System.arraycopy(point, 0, typeAndKey, 1, 32);
            String text = "forger+" + HexFormat.of().toHexDigits(NoteVerifierKey.keyId("forger", point)) + "+"
                    + Base64.getEncoder().encodeToString(typeAndKey);
            assertThatThrownBy(() -> NoteVerifierKey.parse(text)).as(hex).isInstanceOf(MalformedNoteException.class)
                    .hasMessageContaining("prime-order");
        }
    }

    /**
     * (x, y) + (0, -1) = (-x, -y) on a twisted Edwards curve with a = -1: the encoding of the sum
     * is p - y with the sign bit of x flipped (x is never zero for a real key).
     */
    private static byte[] plusTheOrderTwoPoint(byte[] encoded) {
        BigInteger p = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
        boolean xOdd = (encoded[31] & 0x80) != 0;
        byte[] y = encoded.clone();
        y[31] &= 0x7f;
        byte[] out = littleEndian(p.subtract(fromLittleEndian(y)));
        out[31] |= (byte) (xOdd ? 0 : 0x80);
        return out;
    }

    /**
     * S + L would verify under a verifier that does not require S below the group order: a second
     * signature made from the first without the key. The JDK's verifier refused it too, so this
     * guards the change of verifier rather than proving a flaw it fixed.
     */
    @Test
    void aSignatureWithSPlusTheGroupOrderIsRefused() throws Exception {
        NoteVerifierKey key = NoteVerifierKey.parse(GO_VERIFIER_KEY);
        String line = GO_NOTE.substring(GO_NOTE.lastIndexOf(' ') + 1, GO_NOTE.length() - 1);
        byte[] idAndSignature = Base64.getDecoder().decode(line);
        BigInteger order = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
        BigInteger s = fromLittleEndian(Arrays.copyOfRange(idAndSignature, 4 + 32, 4 + 64));
        System.arraycopy(littleEndian(s.add(order)), 0, idAndSignature, 4 + 32, 32);
        String malleated = GO_NOTE.replace(line, Base64.getEncoder().encodeToString(idAndSignature));
        assertThat(malleated).isNotEqualTo(GO_NOTE);
        assertThatThrownBy(() -> SignedNote.parse(malleated).open(key)).isInstanceOf(NoteRejectedException.class)
                .hasMessageContaining("invalid signature");
    }

    /** The unsigned little-endian integer of RFC 8032's encodings. */
    private static BigInteger fromLittleEndian(byte[] bytes) {
        byte[] bigEndian = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bigEndian[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    /** {@code value}, below 2^256, as 32 little-endian bytes. */
    private static byte[] littleEndian(BigInteger value) {
        byte[] out = new byte[32];
        for (int i = 0; i < 32; i++) {
            out[i] = value.shiftRight(8 * i).byteValue();
        }
        return out;
    }

    @Test
    void signaturesByUnknownKeysAreIgnoredButNeverSuffice() throws Exception {
        NoteVerifierKey peter = NoteVerifierKey.parse(GO_VERIFIER_KEY);
        Generated other = generate("other.example/log");
        String both = GO_NOTE + SignedNote.sign(GO_TEXT, other.key(), other.sign()).encode().substring(GO_TEXT.length() + 1);
        assertThat(SignedNote.parse(both).open(peter)).isEqualTo(GO_TEXT);
        assertThat(SignedNote.parse(both).open(other.key())).isEqualTo(GO_TEXT);
        Generated impostor = generate("PeterNeumann");
        String onlyImpostor = SignedNote.sign(GO_TEXT, impostor.key(), impostor.sign()).encode();
        assertThatThrownBy(() -> SignedNote.parse(onlyImpostor).open(peter)).isInstanceOf(NoteRejectedException.class)
                .hasMessageContaining("no signature by the trusted key");
    }

    @Test
    void checkpointsRoundTripAndAreVerifiedWithOrigin() throws Exception {
        Generated log = generate("duet.example/log");
        Checkpoint checkpoint = new Checkpoint("duet.example/log", 20852163, Sha256Hash.of("root".getBytes(StandardCharsets.UTF_8)), List.of());
        String note = SignedNote.sign(checkpoint.text(), log.key(), log.sign()).encode();
        assertThat(note).startsWith("duet.example/log\n20852163\n").contains("\n\n\u2014 duet.example/log ");
        assertThat(Checkpoint.open(note, log.key(), "duet.example/log")).isEqualTo(checkpoint);
        assertThatThrownBy(() -> Checkpoint.open(note, log.key(), "other.example/log"))
                .isInstanceOf(NoteRejectedException.class).hasMessageContaining("origin");
        assertThatThrownBy(() -> Checkpoint.open(note, generate("duet.example/log").key(), "duet.example/log"))
                .isInstanceOf(NoteRejectedException.class);
        String tampered = note.replace("20852163", "20852164");
        assertThatThrownBy(() -> Checkpoint.open(tampered, log.key(), "duet.example/log"))
                .isInstanceOf(NoteRejectedException.class).hasMessageContaining("invalid signature");

        Checkpoint extended = new Checkpoint("duet.example/log", 1, checkpoint.root(), List.of("extension line"));
        String extendedNote = SignedNote.sign(extended.text(), log.key(), log.sign()).encode();
        assertThat(Checkpoint.open(extendedNote, log.key(), "duet.example/log").extensions()).containsExactly("extension line");
    }

    @Test
    void malformedNotesAndCheckpointsGetTheParsersOwnError() throws Exception {
        Generated log = generate("duet.example/log");
        String root = Base64.getEncoder().encodeToString(new byte[32]);
        String body = "duet.example/log\n5\n" + root + "\n";
        String good = SignedNote.sign(body, log.key(), log.sign()).encode();
        assertThat(Checkpoint.open(good, log.key(), "duet.example/log").size()).isEqualTo(5);
        String nonCanonicalRoot = root.substring(0, 42) + "B=";
        for (String bad : List.of("", "\n", body, good.substring(0, good.length() - 1), good.substring(0, good.length() - 10) + "\n",
                good.replace("\u2014 ", "- "), good + "trailing\n", good.replace("\n\n", "\n"), good.replace("\u2014 duet.example/log ", "\u2014 duet.example/log  "),
                good + "\u2014 x !!!\n", good.replace("\n5\n", "\n5\u0001\n"))) {
            assertThatThrownBy(() -> Checkpoint.open(bad, log.key(), "duet.example/log")).as(bad)
                    .isInstanceOfAny(MalformedNoteException.class, NoteRejectedException.class);
        }
        for (String badBody : List.of("duet.example/log\n05\n" + root + "\n", "duet.example/log\n-1\n" + root + "\n",
                "duet.example/log\n99999999999999999999\n" + root + "\n", "duet.example/log\n5\n" + nonCanonicalRoot + "\n",
                "duet.example/log\n5\n" + Base64.getEncoder().encodeToString(new byte[31]) + "\n", "duet.example/log\n5\n",
                "\n5\n" + root + "\n", "duet.example/log\n5\n" + root + "\n\nextra\n", "duet.example/log\n5\n" + root)) {
            assertThatThrownBy(() -> Checkpoint.parse(badBody)).as(badBody).isInstanceOf(MalformedNoteException.class);
        }
        String tooMany = good + ("\u2014 other " + Base64.getEncoder().encodeToString(new byte[68]) + "\n").repeat(16);
        assertThatThrownBy(() -> SignedNote.parse(tooMany)).isInstanceOf(MalformedNoteException.class);
    }
}
