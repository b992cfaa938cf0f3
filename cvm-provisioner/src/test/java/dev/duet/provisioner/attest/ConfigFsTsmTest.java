package dev.duet.provisioner.attest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configfs-tsm protocol against a directory laid out like configfs: a "provider" that fills a
 * new entry's attributes when the inblob is written. The real guest's "no provider" case is in
 * QemuGuestTest.
 */
class ConfigFsTsmTest {
    @TempDir Path root;

    private final java.security.KeyPair guestKey = dev.duet.provisioner.ssh.SshKeys.generateEd25519();

    /** Behaves like the kernel: mkdir creates an entry; writing inblob produces outblob and bumps generation. */
    private final class FakeProvider implements GuestTsmFs {
        boolean present = true;
        boolean providerLoaded = true;
        int extraWrites;
        boolean interleave;

        @Override
        public boolean hasInterface() {
            return present;
        }

        @Override
        public void mkdir(String entry) throws IOException {
            if (!providerLoaded) {
                throw new IOException("No such device or address");
            }
            Path dir = Files.createDirectory(root.resolve(entry));
            Files.writeString(dir.resolve("provider"), "sev_guest\n");
            Files.writeString(dir.resolve("generation"), "0\n");
        }

        @Override
        public void write(String entry, String attribute, byte[] value) throws IOException {
            Path dir = root.resolve(entry);
            Files.write(dir.resolve(attribute), value);
            byte[] report = new byte[1184];
            System.arraycopy(value, 0, report, 0x50, 64);
            Files.write(dir.resolve("outblob"), report);
            Files.write(dir.resolve("auxblob"), new byte[] {1, 2, 3});
            long generation = Long.parseLong(Files.readString(dir.resolve("generation")).strip());
            Files.writeString(dir.resolve("generation"), (generation + 1) + "\n");
            if (interleave) {
                interleave = false;
                write(entry, attribute, new byte[64]);
            }
        }

        @Override
        public byte[] writeHostKeyBinding(String entry, byte[] nonce) throws IOException {
            byte[] binding = HostKeyBinding.reportData(guestKey.getPublic(), nonce);
            write(entry, "inblob", binding);
            return binding;
        }

        @Override
        public byte[] read(String entry, String attribute) throws IOException {
            if (attribute.equals("outblob") && extraWrites-- > 0) {
                Files.writeString(root.resolve(entry).resolve("generation"), "2\n");
            }
            return Files.readAllBytes(root.resolve(entry).resolve(attribute));
        }

        @Override
        public boolean exists(String entry, String attribute) {
            return Files.exists(root.resolve(entry).resolve(attribute));
        }

        @Override
        public void rmdir(String entry) throws IOException {
            try (var files = Files.list(root.resolve(entry))) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(root.resolve(entry));
        }
    }

    @Test
    void aReportIsReadForOurInblobAndTheEntryRemoved() throws Exception {
        byte[] inblob = HexFormat.of().parseHex("ab".repeat(64));
        ConfigFsTsm.Result result = ConfigFsTsm.request(new FakeProvider(), "duet-1", inblob);
        ConfigFsTsm.Result.Report report = (ConfigFsTsm.Result.Report) result;
        assertThat(report.provider()).isEqualTo("sev_guest");
        assertThat(report.generation()).isEqualTo(1);
        assertThat(report.outblob().length()).isEqualTo(1184);
        assertThat(report.outblob().hex().substring(0x50 * 2, 0x90 * 2)).isEqualTo("ab".repeat(64));
        assertThat(report.auxblob()).isPresent();
        assertThat(root.resolve("duet-1")).doesNotExist();
    }

    @Test
    void theHostKeyBindingRequestCarriesTheGuestsOwnBinding() throws Exception {
        byte[] nonce = HexFormat.of().parseHex("11".repeat(32));
        ConfigFsTsm.Result.Report report = (ConfigFsTsm.Result.Report) ConfigFsTsm.requestHostKeyBinding(new FakeProvider(),
                "duet-5", nonce);
        assertThat(report.outblob().hex().substring(0x50 * 2, 0x90 * 2))
                .isEqualTo(HexFormat.of().formatHex(HostKeyBinding.reportData(guestKey.getPublic(), nonce)));
    }

    @Test
    void theVcekIsFoundInAnSevCertificateTable() {
        byte[] vcek = {1, 2, 3, 4, 5};
        java.nio.ByteBuffer table = java.nio.ByteBuffer.allocate(24 * 3 + vcek.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        table.put(HexFormat.of().parseHex("c0b406a4a803004c" + "b2f2a8b7b1b8a6b9"));
        table.putInt(72).putInt(0);
        table.put(HexFormat.of().parseHex("8d75da6364e66445adc5f4b93be8accd"));
        table.putInt(72).putInt(vcek.length);
        table.put(new byte[24]);
        table.put(vcek);
        assertThat(ConfigFsTsmSource.endorsementFromCertTable(dev.duet.attestation.Octets.copyOf(table.array()))).hasValueSatisfying(
                found -> assertThat(found).containsExactly(vcek));
        assertThat(ConfigFsTsmSource.endorsementFromCertTable(dev.duet.attestation.Octets.copyOf(new byte[48]))).isEmpty();
    }

    @Test
    void aGenerationThatMovesWhileReadingIsRefused() {
        FakeProvider raced = new FakeProvider();
        raced.extraWrites = 1;
        assertThatThrownBy(() -> ConfigFsTsm.request(raced, "duet-2", new byte[64])).isInstanceOf(IOException.class)
                .hasMessageContaining("generation 1 then 2");
        assertThat(root.resolve("duet-2")).doesNotExist();
    }

    /** Another writer's inblob lands after ours and before our first read: generation is then two past its start, not one. */
    @Test
    void anotherWriterBetweenOurInblobAndOurReadIsRefused() {
        FakeProvider interleaved = new FakeProvider();
        interleaved.interleave = true;
        assertThatThrownBy(() -> ConfigFsTsm.request(interleaved, "duet-6", HexFormat.of().parseHex("ab".repeat(64))))
                .isInstanceOf(IOException.class).hasMessageContaining("another writer raced us");
        assertThat(root.resolve("duet-6")).doesNotExist();
    }

    @Test
    void noInterfaceAndNoProviderAreReportedAsNoTee() throws Exception {
        FakeProvider none = new FakeProvider();
        none.present = false;
        assertThat(ConfigFsTsm.request(none, "duet-3", new byte[64])).isInstanceOfSatisfying(ConfigFsTsm.Result.NoTee.class,
                noTee -> assertThat(noTee.reason()).contains("no configfs-tsm report interface"));
        FakeProvider unloaded = new FakeProvider();
        unloaded.providerLoaded = false;
        assertThat(ConfigFsTsm.request(unloaded, "duet-4", new byte[64])).isInstanceOfSatisfying(ConfigFsTsm.Result.NoTee.class,
                noTee -> assertThat(noTee.reason()).contains("no provider").contains("No such device"));
    }
}
