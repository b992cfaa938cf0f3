package dev.duet.attestation.azure;

import dev.duet.attestation.Octets;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/**
 * The HCL's runtime claims (the report's variable data): a JSON object whose bytes the HCL hashes
 * into the hardware report's REPORT_DATA. It names the vTPM's keys as JWKs ({@code HCLAkPub}, the
 * attestation key that signs quotes; {@code HCLEkPub}, the endorsement key), the VM's configuration
 * as Azure set it, and the guest's {@code user-data}. {@code json} is the exact bytes, because the
 * binding is over them; nothing here is trustworthy until that binding and the report verify.
 */
public record RuntimeClaims(Octets json, List<Key> keys, List<Setting> vmConfiguration, Optional<String> userData) {
    /** The kid of the vTPM attestation key. */
    public static final String ATTESTATION_KEY = "HCLAkPub";

    public RuntimeClaims {
        keys = List.copyOf(keys);
        vmConfiguration = List.copyOf(vmConfiguration);
    }

    /** One JWK; {@code rsa} is present for an RSA key whose modulus and exponent decoded. */
    public record Key(String kid, String kty, List<String> keyOps, Optional<RsaKey> rsa) {
        public Key {
            keyOps = List.copyOf(keyOps);
        }
    }

    public record RsaKey(BigInteger modulus, BigInteger exponent) {
        public int bits() {
            return modulus.bitLength();
        }
    }

    /** One entry of {@code vm-configuration}, its value as JSON text. */
    public record Setting(String name, String value) {}

    public Optional<Key> attestationKey() {
        return keys.stream().filter(key -> key.kid().equals(ATTESTATION_KEY)).findFirst();
    }
}
