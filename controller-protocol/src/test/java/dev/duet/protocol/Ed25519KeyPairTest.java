package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Signing goes through Bouncy Castle for speed; what it signs must be exactly what the JDK's Ed25519 signs. */
class Ed25519KeyPairTest {
    @Test
    void signaturesAreTheJdksByteForByteAndVerify() throws Exception {
        Random random = new Random(15);
        for (int k = 0; k < 20; k++) {
            Ed25519KeyPair pair = Ed25519KeyPair.generate();
            Ed25519KeyPair reloaded = Ed25519KeyPair.parsePem(pair.toPem());
            Signature jdk = Signature.getInstance("Ed25519");
            jdk.initSign(KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pair.pkcs8())));
            for (int m = 0; m < 25; m++) {
                byte[] message = new byte[random.nextInt(2048)];
                random.nextBytes(message);
                jdk.update(message);
                byte[] expected = jdk.sign();
                assertThat(pair.sign(message)).isEqualTo(expected);
                assertThat(reloaded.sign(message)).isEqualTo(expected);
                pair.publicKey().verify(message, pair.sign(message));
            }
        }
    }

    /**
     * The eight points of small order (RFC 8032's curve has cofactor 8), canonically encoded, and
     * non-canonical encodings (y at or above p): none is a key, so no signature "made" without a
     * private key (R the identity, S zero) is ever checked against one.
     */
    @Test
    void smallOrderAndNonCanonicalPointsAreNotKeys() throws Exception {
        java.util.HexFormat hex = java.util.HexFormat.of();
        List<String> points = List.of(
                "0100000000000000000000000000000000000000000000000000000000000000",
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "0000000000000000000000000000000000000000000000000000000000000000",
                "0000000000000000000000000000000000000000000000000000000000000080",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
                "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        byte[] forged = new byte[64];
        forged[0] = 1;
        for (String point : points) {
            byte[] spki = hex.parseHex("302a300506032b6570032100" + point);
            assertThatThrownBy(() -> Ed25519PublicKey.fromSpki(spki)).as(point).isInstanceOf(KeyFormatException.class)
                    .hasMessageContaining("small-order");
            assertThatThrownBy(() -> Ed25519PublicKey.parseBase64(java.util.Base64.getEncoder().encodeToString(spki))).as(point)
                    .isInstanceOf(KeyFormatException.class);
        }
        // What the JDK alone would accept: the identity as a key verifies (R = identity, S = 0) for any message.
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(
                hex.parseHex("302a300506032b6570032100" + points.get(0)))));
        jdk.update("anything".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(jdk.verify(forged)).as("the forgery the check exists for").isTrue();
    }

    @Test
    void aPrivateKeyOfAnotherPairIsRefused() {
        Ed25519KeyPair one = Ed25519KeyPair.generate();
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        assertThatThrownBy(() -> Ed25519KeyPair.fromEncoded(one.pkcs8(), other.publicKey().spki()))
                .isInstanceOf(KeyFormatException.class).hasMessage("private and public key do not belong together");
    }

    /**
     * Verification is Bouncy Castle's: it accepts RFC 8032's first test vector, and reaches the
     * JDK's verdict on valid signatures, on a random one-bit change of each signature and message, and on
     * a signature whose S has the group order added (the same signature, malleated).
     */
    @Test
    void verificationAgreesWithTheJdksOnValidChangedAndMalleatedSignatures() throws Exception {
        java.util.HexFormat hex = java.util.HexFormat.of();
        Ed25519PublicKey rfcKey = Ed25519PublicKey.fromSpki(hex.parseHex("302a300506032b6570032100"
                + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
        rfcKey.verify(new byte[0], hex.parseHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
                + "39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));

        java.math.BigInteger order = java.math.BigInteger.TWO.pow(252).add(new java.math.BigInteger("27742317777372353535851937790883648493"));
        Random random = new Random(8032);
        int accepted = 0;
        for (int k = 0; k < 200; k++) {
            Ed25519KeyPair pair = Ed25519KeyPair.generate();
            byte[] message = new byte[random.nextInt(300)];
            random.nextBytes(message);
            byte[] signature = pair.sign(message);
            byte[] changedSignature = signature.clone();
            changedSignature[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
            byte[] changedMessage = message.length == 0 ? new byte[] {1} : message.clone();
            changedMessage[random.nextInt(changedMessage.length)] ^= (byte) (1 << random.nextInt(8));
            byte[] malleated = signature.clone();
            byte[] s = littleEndian(new java.math.BigInteger(1, reversed(java.util.Arrays.copyOfRange(signature, 32, 64))).add(order));
            System.arraycopy(s, 0, malleated, 32, 32);
            for (byte[][] pairOf : new byte[][][] {{message, signature}, {message, changedSignature}, {changedMessage, signature},
                    {message, malleated}}) {
                boolean ours = verifies(pair.publicKey(), pairOf[0], pairOf[1]);
                assertThat(ours).isEqualTo(jdkVerifies(pair.publicKey(), pairOf[0], pairOf[1]));
                accepted += ours ? 1 : 0;
            }
        }
        assertThat(accepted).as("only the unchanged signatures").isEqualTo(200);
    }

    private static boolean verifies(Ed25519PublicKey key, byte[] message, byte[] signature) {
        try {
            key.verify(message, signature);
            return true;
        } catch (InvalidSignatureException e) {
            return false;
        }
    }

    private static boolean jdkVerifies(Ed25519PublicKey key, byte[] message, byte[] signature) throws Exception {
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(key.spki())));
        jdk.update(message);
        try {
            return jdk.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }

    /** {@code value} as 32 little-endian bytes. */
    private static byte[] littleEndian(java.math.BigInteger value) {
        byte[] big = value.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < Math.min(32, big.length); i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }
}
