package dev.duet.attestation.x509;

import dev.duet.attestation.Octets;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECDSA verification of the fixed-width (r ‖ s, big-endian) signatures that SNP reports, DCAP
 * quotes and Intel collateral carry. Uses Bouncy Castle's P-256/P-384 implementations, which are
 * several times faster than the JDK's (docs/performance.md), and memoises decoded public points:
 * a VCEK, PCK or attestation key signs many times, and the point's precomputed multiples then
 * serve every later verification. The memo holds only public values and is bounded.
 */
public final class Ecdsa {
    /** NIST P-256 (secp256r1) with SHA-256, or P-384 (secp384r1) with SHA-384. */
    public enum Curve {
        P256("secp256r1", "SHA-256", 32),
        P384("secp384r1", "SHA-384", 48);

        private final ECDomainParameters domain;
        private final String hash;
        private final int size;

        Curve(String name, String hash, int size) {
            X9ECParameters parameters = CustomNamedCurves.getByName(name);
            this.domain = new ECDomainParameters(parameters);
            this.hash = hash;
            this.size = size;
        }

        public int size() {
            return size;
        }
    }

    private static final int MEMO_LIMIT = 1024;
    private static final ConcurrentHashMap<Octets, ECPublicKeyParameters> POINTS = new ConcurrentHashMap<>();

    private Ecdsa() {}

    /** The curve of a JDK EC key, if it is P-256 or P-384 (checked by order, not by size alone). */
    private static Curve curveOf(ECPublicKey key) {
        BigInteger order = key.getParams().getOrder();
        for (Curve curve : Curve.values()) {
            if (curve.domain.getN().equals(order)) {
                return curve;
            }
        }
        return null;
    }

    /** The curve size in bytes of a P-256/P-384 key, or 0 for any other key. */
    public static int fieldBytes(PublicKey key) {
        Curve curve = key instanceof ECPublicKey ec ? curveOf(ec) : null;
        return curve == null ? 0 : curve.size;
    }

    /** Whether {@code xy} (X ‖ Y, big-endian) is a point on P-256. */
    public static boolean isP256Point(byte[] xy) {
        return point(Curve.P256, xy) != null;
    }

    private static ECPublicKeyParameters point(Curve curve, byte[] xy) {
        if (xy.length != 2 * curve.size) {
            return null;
        }
        byte[] encoded = new byte[xy.length + 1];
        encoded[0] = 4;
        System.arraycopy(xy, 0, encoded, 1, xy.length);
        Octets key = Octets.copyOf(encoded);
        ECPublicKeyParameters known = POINTS.get(key);
        if (known != null && known.getParameters() == curve.domain) {
            return known;
        }
        ECPublicKeyParameters decoded;
        try {
            ECPoint q = curve.domain.getCurve().decodePoint(encoded);
            decoded = new ECPublicKeyParameters(q, curve.domain);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (POINTS.size() >= MEMO_LIMIT) {
            POINTS.clear();
        }
        POINTS.put(key, decoded);
        return decoded;
    }

    private static byte[] fixed(BigInteger value, int size) {
        byte[] bytes = value.toByteArray();
        if (bytes.length == size) {
            return bytes;
        }
        byte[] out = new byte[size];
        int copy = Math.min(bytes.length, size);
        System.arraycopy(bytes, bytes.length - copy, out, size - copy, copy);
        return out;
    }

    /** Verifies with a raw P-256 key (X ‖ Y), as quotes carry their attestation key. */
    public static boolean verifyP256(byte[] xy, byte[] message, byte[] rs) {
        ECPublicKeyParameters key = point(Curve.P256, xy);
        return key != null && verify(Curve.P256, key, message, rs);
    }

    /** Verifies with a certificate's key, which must be P-256 (SHA-256) or P-384 (SHA-384). */
    public static boolean verify(PublicKey key, byte[] message, byte[] rs) {
        if (!(key instanceof ECPublicKey ec)) {
            return false;
        }
        Curve curve = curveOf(ec);
        if (curve == null) {
            return false;
        }
        byte[] xy = new byte[2 * curve.size];
        System.arraycopy(fixed(ec.getW().getAffineX(), curve.size), 0, xy, 0, curve.size);
        System.arraycopy(fixed(ec.getW().getAffineY(), curve.size), 0, xy, curve.size, curve.size);
        ECPublicKeyParameters point = point(curve, xy);
        return point != null && verify(curve, point, message, rs);
    }

    private static boolean verify(Curve curve, ECPublicKeyParameters key, byte[] message, byte[] rs) {
        if (rs.length != 2 * curve.size) {
            return false;
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance(curve.hash).digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(rs, 0, curve.size));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, curve.size, rs.length));
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        // ECDSASigner refuses r or s outside [1, n-1] itself.
        return verifier.verifySignature(digest, r, s);
    }
}
