package dev.duet.protocol;

import dev.duet.attestation.Octets;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Azure vTPM evidence JSON made here, every key self-made: an HCL report around
 * {@link SelfSignedSnpReport} (VMPL 0) binding runtime claims that name an RSA attestation key, and a
 * TPMS_ATTEST quote of 24 zero SHA-256 PCRs for a chosen qualifying data, signed by a chosen key.
 * It chains to no AMD root, as simulated evidence does not.
 */
final class SelfSignedAzureEvidence {
    private SelfSignedAzureEvidence() {}

    static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    /** The VM the evidence below comes from, unless another is named. */
    static final String VM_ID = "1D2C3B4A-5968-4776-8594-A3B2C1D0E9F8";

    /** Evidence from {@link #VM_ID} whose claims name {@code ak} and whose quote for {@code qualifyingData} {@code signer} signed. */
    static Octets json(Octets qualifyingData, KeyPair ak, KeyPair signer) throws Exception {
        return json(qualifyingData, ak, signer, VM_ID);
    }

    /** The same, from the VM {@code vmId}. */
    static Octets json(Octets qualifyingData, KeyPair ak, KeyPair signer, String vmId) throws Exception {
        RSAPublicKey key = (RSAPublicKey) ak.getPublic();
        byte[] claims = ("{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\"" + b64url(key.getPublicExponent())
                + "\",\"n\":\"" + b64url(key.getModulus()) + "\"}],\"vm-configuration\":{\"secure-boot\":true,\"tpm-enabled\":true,\"vmUniqueId\":\"" + vmId + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        SelfSignedSnpReport snp = SelfSignedSnpReport.carrying(Octets.copyOf(Arrays.copyOf(sha256(claims), 64)));
        int size = 32 + 1184 + 20 + claims.length;
        ByteBuffer hcl = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        hcl.putInt(0x414c4348).putInt(2).putInt(size).putInt(2).putInt(0).put(new byte[12]);
        hcl.put(snp.report().toByteArray());
        hcl.putInt(20 + claims.length).putInt(1).putInt(2).putInt(1).putInt(claims.length).put(claims);

        byte[] pcrs = new byte[24 * 32];
        byte[] nonce = qualifyingData.toByteArray();
        ByteBuffer quote = ByteBuffer.allocate(4 + 2 + 2 + 34 + 2 + nonce.length + 17 + 8 + 4 + 6 + 2 + 32);
        quote.putInt(0xff544347).putShort((short) 0x8018).putShort((short) 34).putShort((short) 0x000b).put(new byte[32]);
        quote.putShort((short) nonce.length).put(nonce);
        quote.putLong(1000).putInt(1).putInt(0).put((byte) 1).putLong(0x2000_0000_0001L);
        quote.putInt(1).putShort((short) 0x000b).put((byte) 3).put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        quote.putShort((short) 32).put(sha256(pcrs));
        byte[] message = quote.array();
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(signer.getPrivate());
        rsa.update(message);
        HexFormat hex = HexFormat.of();
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            values.append(i == 0 ? "" : ",").append('"').append("00".repeat(32)).append('"');
        }
        String json = "{\"version\":1,\"hcl_report\":\"" + b64url(hcl.array()) + "\",\"tpm_quote\":{\"message\":\"" + hex.formatHex(message)
                + "\",\"signature\":\"" + hex.formatHex(rsa.sign()) + "\",\"pcrs\":[" + values + "]},\"vcek\":\"" + b64url(snp.vcek().toByteArray())
                + "\"}";
        return Octets.copyOf(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        return b64url(Arrays.copyOfRange(bytes, skip, bytes.length));
    }

    private static String b64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }
}
