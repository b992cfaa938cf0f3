package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.controller.sealing.FileSealer;
import dev.duet.controller.sealing.UnsealException;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealingAndCustodyTest {
    @TempDir Path dir;

    @Test
    void sealedBlobsOpenOnlyUnderTheSameKeyAndContext() throws Exception {
        FileSealer sealer = FileSealer.openOrCreate(dir.resolve("k"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("k")))).isEqualTo("rw-------");
        byte[] secret = "secret".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = sealer.seal(secret, "slot a");
        assertThat(sealer.unseal(sealed, "slot a")).isEqualTo(secret);
        assertThat(FileSealer.openOrCreate(dir.resolve("k")).unseal(sealed, "slot a")).isEqualTo(secret);
        assertThatThrownBy(() -> sealer.unseal(sealed, "slot b")).isInstanceOf(UnsealException.class);
        for (int i = 0; i < sealed.length; i++) {
            byte[] flipped = sealed.clone();
            flipped[i] ^= 0x01;
            assertThatThrownBy(() -> sealer.unseal(flipped, "slot a")).isInstanceOf(UnsealException.class);
        }
        assertThatThrownBy(() -> FileSealer.openOrCreate(dir.resolve("other")).unseal(sealed, "slot a")).isInstanceOf(UnsealException.class);
        assertThatThrownBy(() -> sealer.unseal(new byte[3], "slot a")).isInstanceOf(UnsealException.class);
    }

    @Test
    void aSealingKeyOthersCanReadIsRefused() throws Exception {
        FileSealer.openOrCreate(dir.resolve("k"));
        Files.setPosixFilePermissions(dir.resolve("k"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> FileSealer.openOrCreate(dir.resolve("k"))).hasMessageContaining("0600");
    }

    @Test
    void ownersCannotBeSwappedByRestartingAndADataDirectoryHasOneController() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        assertThatThrownBy(() -> Controller.open(ControllerConfig.defaults(data, List.of()))).hasMessageContaining("owner key");
        try (Controller first = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())))) {
            assertThatThrownBy(() -> Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey()))))
                    .hasMessageContaining("in use by another controller");
        }
        assertThatThrownBy(() -> Controller.open(ControllerConfig.defaults(data, List.of(Ed25519KeyPair.generate().publicKey()))))
                .hasMessageContaining("owners cannot be changed");
        try (Controller again = Controller.open(ControllerConfig.defaults(data, List.of()))) {
            Payload registered = PayloadCodec.decode(EntryCodec.fromJson(again.logEntries(0, Optional.empty()).path("entries").get(0)));
            assertThat(registered).isEqualTo(new Payload.OwnerRegistered(List.of(new Payload.OwnerKey(owner.publicKey().keyId(),
                    owner.publicKey().base64())), again.signingKey().keyId()));
        }
    }

    @Test
    void aNonceStaysUsedAcrossARestart() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        OwnerRequest request;
        try (Controller c = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())))) {
            request = SignedRequests.signed(c, owner, "POST", "/v1/anything", body);
            String admitted = c.asOwner(request, SignedRequests.body(body), (id, signed) -> id.keyId());
            assertThat(admitted).isEqualTo(owner.publicKey().keyId());
        }
        try (Controller c = Controller.open(ControllerConfig.defaults(data, List.of()))) {
            assertThatThrownBy(() -> c.asOwner(request, SignedRequests.body(body), (id, signed) -> id.keyId()))
                    .isInstanceOfSatisfying(ControllerException.class, e -> assertThat(e.kind()).isEqualTo(ControllerException.Kind.REPLAYED));
        }
    }

    /** Guarantee of item 4: the CVM's private SSH key appears nowhere but sealed. */
    @Test
    void theCvmPrivateKeyNeverLeavesTheControllerUnsealed() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                Controller c = Controller.open(ControllerConfig.defaults(data, List.of(owner.publicKey())))) {
            OwnerId id = new OwnerId(owner.publicKey().keyId());
            CvmView view = c.create(id, new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1", Optional.of(sshd.port()),
                    OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapPrivateKey(), Optional.of(sshd.authorizedKeys().toString())))));
            c.awaitProvisioning(Duration.ofSeconds(30));
            assertThat(c.get(view.id()).mode().wire()).isEqualTo("in-update");
            CommandResult result = c.runCommand(id, SignedRequests.commandLine(view.id()), view.id(), new CommandRequest(List.of("echo", "hi"), Optional.of(BigDecimal.valueOf(20))));

            byte[] pkcs8 = FileSealer.openOrCreate(data.resolve("sealing.key")).unseal(sealedKey(data, view.id()), "duet cvm ssh key " + view.id());
            byte[] seed = org.bouncycastle.asn1.ASN1OctetString.getInstance(
                    org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pkcs8).parsePrivateKey()).getOctets();
            assertThat(seed).hasSize(32);
            List<String> forms = List.of(HexFormat.of().formatHex(seed), Base64.getEncoder().encodeToString(seed),
                    Base64.getEncoder().encodeToString(pkcs8).substring(0, 40));
            String everythingSaid = c.list() + " " + new String(c.signedState(view.id(), Optional.empty()), StandardCharsets.UTF_8) + " " + c.bundle(view.id(), Optional.empty(), OptionalLong.empty()) + " " + c.evidence(Optional.empty())
                    + " " + c.logEntries(0, Optional.empty()) + " " + result + " " + view;
            byte[] database = concat(data);
            for (String form : forms) {
                assertThat(everythingSaid).doesNotContain(form);
                assertThat(new String(database, StandardCharsets.ISO_8859_1)).doesNotContain(form);
            }
            assertThat(indexOf(database, seed)).isEqualTo(-1);
            assertThat(everythingSaid).doesNotContain("OPENSSH PRIVATE KEY");
        }
    }

    private static byte[] sealedKey(Path data, String id) throws Exception {
        try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("duet.db"));
                ResultSet rs = conn.createStatement().executeQuery("SELECT ssh_private_sealed FROM cvms WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    private static byte[] concat(Path data) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(data)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("sealing.key")).toList()) {
                all.writeBytes(Files.readAllBytes(f));
            }
        }
        return all.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
