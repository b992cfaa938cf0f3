package dev.duet.attestation.x509;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.ECFieldFp;
import java.util.Optional;

/**
 * ECDSA verification over the fixed-width (r ‖ s, big-endian) signatures that SNP reports and DCAP
 * quotes carry, through the JDK's own provider.
 */
public final class Ecdsa {
    private static final ECParameterSpec P256 = curve("secp256r1");

    private Ecdsa() {}

    private static ECParameterSpec curve(String name) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(name));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks curve " + name, e);
        }
    }

    /**
     * The P-256 public key whose affine coordinates are {@code xy} (32 ‖ 32 bytes, big-endian), or
     * empty when the point is not on the curve.
     */
    public static Optional<PublicKey> p256(byte[] xy) {
        if (xy.length != 64) {
            return Optional.empty();
        }
        BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(xy, 0, 32));
        BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(xy, 32, 64));
        if (!onCurve(P256, x, y)) {
            return Optional.empty();
        }
        try {
            return Optional.of(KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256)));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private static boolean onCurve(ECParameterSpec spec, BigInteger x, BigInteger y) {
        EllipticCurve curve = spec.getCurve();
        BigInteger p = ((ECFieldFp) curve.getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }

    /** The curve size in bytes of an EC key, or 0 for any other key. */
    public static int fieldBytes(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        }
        return 0;
    }

    /**
     * Whether {@code rs} (r ‖ s, each {@code fieldBytes} big-endian) is a valid signature of
     * {@code message} with {@code hash} ("SHA256" or "SHA384").
     */
    public static boolean verify(String hash, PublicKey key, byte[] message, byte[] rs) {
        try {
            Signature verifier = Signature.getInstance(hash + "withECDSAinP1363Format");
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(rs);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
