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
}
