package dev.duet.attestation.x509;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.SelfMadeCa;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Wycheproof-style edge cases for our wrapper around ECDSA verification (fixed-width r ‖ s, raw
 * points): out-of-range r and s, wrong lengths, the point at infinity, points off the curve,
 * coordinates at or above p, keys on other curves, and a different message.
 */
class EcdsaEdgeCaseTest {
    private static byte[] fixed(BigInteger value, int size) {
        byte[] out = new byte[size];
        byte[] bytes = value.toByteArray();
        int copy = Math.min(bytes.length, size);
        System.arraycopy(bytes, bytes.length - copy, out, size - copy, copy);
        return out;
    }

    private static byte[] rs(BigInteger r, BigInteger s, int size) {
        byte[] out = new byte[2 * size];
        System.arraycopy(fixed(r, size), 0, out, 0, size);
        System.arraycopy(fixed(s, size), 0, out, size, size);
        return out;
    }

    @ParameterizedTest
    @CsvSource({"secp256r1, SHA256, 32", "secp384r1, SHA384, 48"})
    void edgeCasesAreRefusedAndTheGenuineSignatureAccepted(String curveName, String hash, int size) throws Exception {
        X9ECParameters curve = CustomNamedCurves.getByName(curveName);
        BigInteger n = curve.getN();
        BigInteger p = curve.getCurve().getField().getCharacteristic();
        KeyPair key = SelfMadeCa.ec(curveName);
        byte[] message = "duet".getBytes();
        byte[] good = SelfMadeCa.signP1363(hash, key.getPrivate(), message);
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(good, 0, size));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(good, size, 2 * size));

        assertThat(Ecdsa.verify(key.getPublic(), message, good)).isTrue();
        // ECDSA accepts (r, n - s) too; signatures here are never used as identifiers, so this is expected.
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(r, n.subtract(s), size))).isTrue();

        assertThat(Ecdsa.verify(key.getPublic(), "duet!".getBytes(), good)).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(BigInteger.ZERO, s, size))).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(r, BigInteger.ZERO, size))).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(n, s, size))).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(r, n, size))).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(r.add(n), s, size))).as("r + n, if it fits").isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, rs(r, s.add(n), size))).as("s + n, if it fits").isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, Arrays.copyOf(good, 2 * size - 1))).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, Arrays.copyOf(good, 2 * size + 1))).isFalse();
        assertThat(Ecdsa.verify(key.getPublic(), message, new byte[0])).isFalse();
        byte[] swapped = rs(s, r, size);
        assertThat(Ecdsa.verify(key.getPublic(), message, swapped)).isFalse();
        assertThat(Ecdsa.verify(SelfMadeCa.ec(curveName).getPublic(), message, good)).as("another key").isFalse();
        assertThat(Ecdsa.verify(SelfMadeCa.ec("secp521r1").getPublic(), message, good)).as("another curve").isFalse();
        assertThat(Ecdsa.verify(SelfMadeCa.rsa().getPublic(), message, good)).as("not EC").isFalse();

        if (size == 32) {
            ECPublicKey ec = (ECPublicKey) key.getPublic();
            byte[] xy = new byte[64];
            System.arraycopy(fixed(ec.getW().getAffineX(), 32), 0, xy, 0, 32);
            System.arraycopy(fixed(ec.getW().getAffineY(), 32), 0, xy, 32, 32);
            assertThat(Ecdsa.verifyP256(xy, message, good)).isTrue();
            byte[] offCurve = xy.clone();
            offCurve[63] ^= 1;
            assertThat(Ecdsa.isP256Point(offCurve)).isFalse();
            assertThat(Ecdsa.verifyP256(offCurve, message, good)).isFalse();
            assertThat(Ecdsa.verifyP256(new byte[64], message, good)).as("(0, 0) / infinity").isFalse();
            byte[] xPlusP = xy.clone();
            System.arraycopy(fixed(ec.getW().getAffineX().add(p), 32), 0, xPlusP, 0, 32);
            assertThat(Ecdsa.verifyP256(xPlusP, message, good)).as("x + p, if it fits").isFalse();
            assertThat(Ecdsa.verifyP256(Arrays.copyOf(xy, 63), message, good)).isFalse();
            byte[] allOnes = new byte[64];
            Arrays.fill(allOnes, (byte) 0xff);
            assertThat(Ecdsa.isP256Point(allOnes)).isFalse();
        }
    }
}
