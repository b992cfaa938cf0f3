package dev.duet.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** The REPORT_DATA layouts docs/attestation.md gives byte by byte, computed here from those bytes. */
class ControllerKeyBindingTest {
    private static final byte[] SIGNING = {1, 2, 3};
    private static final byte[] TLS = {4, 5};

    @Test
    void versionOneIsTheLabelTheLengthPrefixedSigningKeyAndTheNonce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("duet controller evidence v1\0".getBytes(StandardCharsets.US_ASCII));
        bytes.write(new byte[] {0, 0, 0, 3, 1, 2, 3});
        bytes.write("n1".getBytes(StandardCharsets.UTF_8));
        assertThat(ControllerKeyBinding.reportData(SIGNING, "n1"))
                .isEqualTo(Octets.copyOf(MessageDigest.getInstance("SHA-512").digest(bytes.toByteArray())));
    }

    @Test
    void versionTwoAddsTheLengthPrefixedTlsKeyUnderItsOwnLabel() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("duet controller evidence v2\0".getBytes(StandardCharsets.US_ASCII));
        bytes.write(new byte[] {0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 2, 4, 5});
        bytes.write("n1".getBytes(StandardCharsets.UTF_8));
        assertThat(ControllerKeyBinding.reportData(SIGNING, TLS, "n1"))
                .isEqualTo(Octets.copyOf(MessageDigest.getInstance("SHA-512").digest(bytes.toByteArray())));
    }

    /** Without the second length, key {1,2,3} + TLS {4,5} and key {1,2,3} + TLS {4} with nonce "\u0005n1" would collide. */
    @Test
    void theLengthsKeepTheFieldsApart() {
        assertThat(ControllerKeyBinding.reportData(SIGNING, TLS, "n1")).isNotEqualTo(ControllerKeyBinding.reportData(SIGNING, new byte[] {4},
                "\u0005n1"));
        assertThat(ControllerKeyBinding.reportData(SIGNING, new byte[0], "n1")).isNotEqualTo(ControllerKeyBinding.reportData(SIGNING, "n1"));
    }
}
