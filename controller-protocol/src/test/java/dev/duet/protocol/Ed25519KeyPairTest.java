package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
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

    @Test
    void aPrivateKeyOfAnotherPairIsRefused() {
        Ed25519KeyPair one = Ed25519KeyPair.generate();
        Ed25519KeyPair other = Ed25519KeyPair.generate();
        assertThatThrownBy(() -> Ed25519KeyPair.fromEncoded(one.pkcs8(), other.publicKey().spki()))
                .isInstanceOf(KeyFormatException.class).hasMessage("private and public key do not belong together");
    }
}
