package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.protocol.Ed25519KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code init} and {@code serve} read owner keys from PEM files; a key nobody needs a secret for never becomes an owner's. */
class OwnerKeyFileTest {
    @TempDir Path dir;

    @Test
    void theIdentityPointIsRefusedAsAnOwnerKeyAndARealKeyIsRead() throws Exception {
        Path identity = Files.writeString(dir.resolve("identity.pub"),
                "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> ControllerMain.readOwnerKeys(List.of(identity))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("owner key " + identity + ": ").hasMessageContaining("small-order");
        Ed25519KeyPair real = Ed25519KeyPair.generate();
        Path file = Files.writeString(dir.resolve("owner.pub"), real.publicKey().toPem());
        assertThat(ControllerMain.readOwnerKeys(List.of(file))).singleElement()
                .satisfies(k -> assertThat(k.keyId()).isEqualTo(real.publicKey().keyId()));
    }
}
