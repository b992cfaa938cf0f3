package dev.duet.provisioner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against Debian's real sshd on a loopback port. */
class SshProvisionerTest {
    private static SshConnector connector;
    @TempDir Path dir;
    private OpenSshServer server;
    private SshEndpoint endpoint;

    @BeforeAll
    static void client() {
        connector = new SshConnector(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopClient() {
        connector.close();
    }

    @BeforeEach
    void startServer() throws Exception {
        server = OpenSshServer.start(dir.resolve("sshd"));
        endpoint = new SshEndpoint("127.0.0.1", server.port(), OpenSshServer.user());
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    private SshAdoption.Adopted adopt(KeyPair controllerKey) throws Exception {
        return new SshAdoption(connector).adopt(endpoint, HostKeyPin.parse(server.hostPublicKey()),
                SshKeys.parsePrivateKey(server.bootstrapPrivateKey()), controllerKey, server.authorizedKeys().toString(), "duet-test");
    }

    @Test
    void adoptionLeavesTheControllerKeyAsTheOnlyWayIn() throws Exception {
        KeyPair controllerKey = SshKeys.generateEd25519();
        String before = PosixFilePermissions.toString(Files.getPosixFilePermissions(server.authorizedKeys()));
        SshAdoption.Adopted adopted = adopt(controllerKey);
        try (SshConnection connection = adopted.connection()) {
            assertThat(Files.readString(server.authorizedKeys()))
                    .isEqualTo(SshKeys.authorizedKeyLine(controllerKey.getPublic(), "duet-test") + "\n");
            assertThat(adopted.report().hostKey()).isEqualTo(server.hostPublicKey().replaceAll(" [^ ]*$", ""));
            assertThat(adopted.report().checks()).contains("bootstrap key is refused");
            assertThatThrownBy(() -> connector.connect(endpoint, HostKeyPin.parse(server.hostPublicKey()), SshKeys.parsePrivateKey(server.bootstrapPrivateKey())))
                    .isInstanceOfSatisfying(SshFailure.class, f -> assertThat(f.kind()).isEqualTo(SshFailure.Kind.AUTHENTICATION_FAILED));
            assertThatThrownBy(() -> connector.connect(endpoint, HostKeyPin.parse(server.hostPublicKey()), SshKeys.generateEd25519()))
                    .isInstanceOfSatisfying(SshFailure.class, f -> assertThat(f.kind()).isEqualTo(SshFailure.Kind.AUTHENTICATION_FAILED));
            assertThat(connection.isOpen()).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.authorizedKeys()))).isEqualTo(before);
            assertThat(leftovers(server.dir())).isEmpty();
        }
    }

    @Test
    void adoptionFailsWhenAnotherAuthorizedKeysFileStillLetsTheBootstrapKeyIn() throws Exception {
        server.close();
        server = OpenSshServer.start(dir.resolve("sshd2"), true);
        endpoint = new SshEndpoint("127.0.0.1", server.port(), OpenSshServer.user());
        Files.writeString(server.authorizedKeys(), "# the owner's own notes\n" + Files.readString(server.authorizedKeys()).strip());
        Files.setPosixFilePermissions(server.authorizedKeys(), PosixFilePermissions.fromString("rw-r-----"));
        Snapshot before = Snapshot.of(server.authorizedKeys());
        Throwable failure = catchThrowable(() -> adopt(SshKeys.generateEd25519()));
        assertThat(Snapshot.of(server.authorizedKeys())).isEqualTo(before);
        assertThat(failure).isInstanceOf(AdoptionFailure.class).hasMessageContaining("bootstrap key still logs in")
                .hasMessageContaining("was restored as it was");
        assertThat(leftovers(server.dir())).isEmpty();
        try (SshConnection again = connector.connect(endpoint, HostKeyPin.parse(server.hostPublicKey()), SshKeys.parsePrivateKey(server.bootstrapPrivateKey()))) {
            assertThat(again.isOpen()).isTrue();
        }
    }

    /** The owner names a file sshd does not read: the controller key cannot log in, and the file must survive that. */
    @Test
    void aKeysFileSshdDoesNotReadIsLeftExactlyAsItWas() throws Exception {
        Path unused = dir.resolve("elsewhere").resolve("authorized_keys");
        Files.createDirectories(unused.getParent());
        Files.writeString(unused, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvZ3VzYm9ndXNib2d1c2JvZ3VzYm9ndXNib2d1cw== someone\nno newline at the end");
        Files.setPosixFilePermissions(unused, PosixFilePermissions.fromString("rw-r--r--"));
        Snapshot before = Snapshot.of(unused);
        Snapshot realBefore = Snapshot.of(server.authorizedKeys());
        Throwable failure = catchThrowable(() -> adoptWith(unused.toString()));
        assertThat(Snapshot.of(unused)).isEqualTo(before);
        assertThat(Snapshot.of(server.authorizedKeys())).isEqualTo(realBefore);
        assertThat(failure).isInstanceOf(AdoptionFailure.class).hasMessageContaining("does not log in")
                .hasMessageContaining("was restored as it was");
        assertThat(leftovers(unused.getParent())).isEmpty();
    }

    @Test
    void anAbsentKeysFileSshdDoesNotReadStaysAbsentAndNoDirectoryIsLeftBehind() throws Exception {
        Path absent = dir.resolve("nothing-here").resolve(".ssh").resolve("authorized_keys");
        Snapshot realBefore = Snapshot.of(server.authorizedKeys());
        Throwable failure = catchThrowable(() -> adoptWith(absent.toString()));
        assertThat(dir.resolve("nothing-here")).doesNotExist();
        assertThat(Snapshot.of(server.authorizedKeys())).isEqualTo(realBefore);
        assertThat(failure).isInstanceOf(AdoptionFailure.class).hasMessageContaining("does not log in")
                .hasMessageContaining("did not exist before");
    }

    @Test
    void aSymbolicLinkIsRefusedBeforeAnythingChanges() throws Exception {
        Path link = dir.resolve("link_keys");
        Files.createSymbolicLink(link, server.authorizedKeys());
        Snapshot before = Snapshot.of(server.authorizedKeys());
        Throwable failure = catchThrowable(() -> adoptWith(link.toString()));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Snapshot.of(server.authorizedKeys())).isEqualTo(before);
        assertThat(failure).isInstanceOf(AdoptionFailure.class).hasMessageContaining("symbolic link");
    }

    private SshAdoption.Adopted adoptWith(String keysPath) throws Exception {
        return new SshAdoption(connector).adopt(endpoint, HostKeyPin.parse(server.hostPublicKey()),
                SshKeys.parsePrivateKey(server.bootstrapPrivateKey()), SshKeys.generateEd25519(), keysPath, "duet-test");
    }

    /** A file's bytes and permissions, or its absence. */
    private record Snapshot(boolean exists, String permissions, String base64) {
        static Snapshot of(Path file) throws Exception {
            if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return new Snapshot(false, "", "");
            }
            return new Snapshot(true, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
        }
    }

    /** Backups or half-written files adoption left in a directory. */
    private static List<String> leftovers(Path directory) throws Exception {
        try (var files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.contains("duet")).toList();
        }
    }

    @Test
    void aServerWithAnotherHostKeyIsDroppedBeforeAnyCredentialIsSent() throws Exception {
        String before = Files.readString(server.authorizedKeys());
        String otherKey = SshKeys.openSshPublicKey(SshKeys.generateEd25519().getPublic());
        String otherFingerprint = SshKeys.fingerprint(SshKeys.parsePublicKey(otherKey));
        for (String pin : List.of(otherKey, otherFingerprint)) {
            assertThatThrownBy(() -> new SshAdoption(connector).adopt(endpoint, HostKeyPin.parse(pin),
                            SshKeys.parsePrivateKey(server.bootstrapPrivateKey()), SshKeys.generateEd25519(), server.authorizedKeys().toString(), "x"))
                    .isInstanceOfSatisfying(SshFailure.class, f -> {
                        assertThat(f.kind()).isEqualTo(SshFailure.Kind.HOST_KEY_MISMATCH);
                        assertThat(f.getMessage()).contains("expected " + otherFingerprint);
                    });
        }
        assertThat(Files.readString(server.authorizedKeys())).isEqualTo(before);
        Thread.sleep(200);
        assertThat(server.log()).doesNotContain("Accepted").doesNotContain("publickey").doesNotContain("Failed");
    }

    @Test
    void aFingerprintPinIsEnough() throws Exception {
        HostKeyPin pin = HostKeyPin.parse(SshKeys.fingerprint(SshKeys.parsePublicKey(server.hostPublicKey())));
        try (SshConnection c = connector.connect(endpoint, pin, SshKeys.parsePrivateKey(server.bootstrapPrivateKey()))) {
            assertThat(c.isOpen()).isTrue();
        }
    }

    @Test
    void commandsGetTheirArgvLiterallyWithSeparateStreamsAndStatus() throws Exception {
        try (SshConnection c = adopt(SshKeys.generateEd25519()).connection()) {
            CommandOutcome mixed = c.run(new RemoteCommand(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(20), 1024));
            assertThat(mixed.exitStatus()).hasValue(3);
            assertThat(new String(mixed.stdout().bytes(), StandardCharsets.UTF_8)).isEqualTo("out\n");
            assertThat(new String(mixed.stderr().bytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");

            Path marker = dir.resolve("pwned");
            String hostile = "$(touch " + marker + "); `touch " + marker + "` | & ; * ' \" \\ \n end";
            CommandOutcome literal = c.run(new RemoteCommand(List.of("printf", "%s", hostile), Duration.ofSeconds(20), 1024));
            assertThat(literal.exitStatus()).hasValue(0);
            assertThat(new String(literal.stdout().bytes(), StandardCharsets.UTF_8)).isEqualTo(hostile);
            assertThat(marker).doesNotExist();

            CommandOutcome emptyArg = c.run(new RemoteCommand(List.of("sh", "-c", "echo $#", "zero", "", ""), Duration.ofSeconds(20), 1024));
            assertThat(new String(emptyArg.stdout().bytes(), StandardCharsets.UTF_8)).isEqualTo("2\n");
        }
    }

    @Test
    void outputBeyondTheCapIsHashedButNotKept() throws Exception {
        try (SshConnection c = adopt(SshKeys.generateEd25519()).connection()) {
            CommandOutcome big = c.run(new RemoteCommand(List.of("head", "-c", "100000", "/dev/zero"), Duration.ofSeconds(20), 1000));
            assertThat(big.stdout().bytes()).hasSize(1000);
            assertThat(big.stdout().totalBytes()).isEqualTo(100_000);
            assertThat(big.stdout().truncated()).isTrue();
            assertThat(big.stdout().sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[100_000])));
        }
    }

    @Test
    void aCommandPastItsDeadlineIsReportedAsTimedOut() throws Exception {
        try (SshConnection c = adopt(SshKeys.generateEd25519()).connection()) {
            long start = System.nanoTime();
            CommandOutcome slow = c.run(new RemoteCommand(List.of("sleep", "30"), Duration.ofMillis(700), 1024));
            assertThat(slow.timedOut()).isTrue();
            assertThat(slow.exitStatus()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            CommandOutcome after = c.run(new RemoteCommand(List.of("true"), Duration.ofSeconds(20), 1024));
            assertThat(after.exitStatus()).hasValue(0);
        }
    }

    @Test
    void aDeadlineShorterThanOpeningAChannelIsATimeoutAndTheSessionSurvives() throws Exception {
        try (SshConnection c = adopt(SshKeys.generateEd25519()).connection()) {
            for (Duration tiny : List.of(Duration.ofNanos(1), Duration.ofMillis(1))) {
                CommandOutcome outcome = c.run(new RemoteCommand(List.of("true"), tiny, 1024));
                assertThat(outcome.timedOut()).isTrue();
                assertThat(outcome.exitStatus()).isEmpty();
                assertThat(c.isOpen()).isTrue();
            }
            CommandOutcome after = c.run(new RemoteCommand(List.of("echo", "still here"), Duration.ofSeconds(20), 1024));
            assertThat(after.exitStatus()).hasValue(0);
            assertThat(new String(after.stdout().bytes(), StandardCharsets.UTF_8)).isEqualTo("still here\n");
        }
    }

    @Test
    void aSessionThatDiesMidCommandIsATransportFailureNeverACompletion() throws Exception {
        try (SshConnection c = adopt(SshKeys.generateEd25519()).connection()) {
            CompletableFuture<CommandOutcome> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.run(new RemoteCommand(List.of("sleep", "30"), Duration.ofSeconds(60), 1024));
                } catch (SshFailure e) {
                    throw new CompletionException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!server.runs("sleep", "30") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            server.killSessions();
            Throwable failure = catchThrowable(() -> outcome.get(20, TimeUnit.SECONDS));
            assertThat(failure).as("a channel closed without exit status or signal is no outcome").isNotNull();
            assertThat(failure.getCause()).isInstanceOfSatisfying(SshFailure.class, f -> {
                assertThat(f.kind()).isEqualTo(SshFailure.Kind.CHANNEL_FAILED);
                assertThat(f.getMessage()).contains("without an exit status");
            });
        }
    }

    @Test
    void aCommandLineAtTheBoundRunsLiterallyAndOneByteMoreIsRefusedBeforeAnythingIsSent() throws Exception {
        String head = ShellQuoting.quote(List.of("printf", "%s", ""));
        String fits = "é".repeat((RemoteCommand.MAX_COMMAND_LINE_BYTES - head.getBytes(StandardCharsets.UTF_8).length) / 2);
        assertThat(ShellQuoting.quote(List.of("printf", "%s", fits)).getBytes(StandardCharsets.UTF_8)).hasSize(RemoteCommand.MAX_COMMAND_LINE_BYTES);
        try (SshConnection c = adopt(SshKeys.generateEd25519()).connection()) {
            CommandOutcome atBound = c.run(new RemoteCommand(List.of("printf", "%s", fits), Duration.ofSeconds(20), 1 << 20));
            assertThat(atBound.exitStatus()).hasValue(0);
            assertThat(new String(atBound.stdout().bytes(), StandardCharsets.UTF_8)).isEqualTo(fits);
        }
        for (List<String> tooLong : List.of(List.of("printf", "%s", fits + "x"), List.of("printf", "%s", "'".repeat(70_000)),
                List.of("printf", "%s", "x".repeat(256 * 1024)), List.of("printf", "%s", "'".repeat(RemoteCommand.MAX_COMMAND_LINE_BYTES / 4)))) {
            assertThatThrownBy(() -> new RemoteCommand(tooLong, Duration.ofSeconds(20), 1024)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.valueOf(RemoteCommand.MAX_COMMAND_LINE_BYTES));
        }
    }

    @Test
    void argvWithNulOrNothingIsRefusedLocally() {
        assertThatThrownBy(() -> ShellQuoting.quote(List.of("a\0b"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RemoteCommand(List.of(), Duration.ofSeconds(1), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ShellQuoting.quote(List.of("it's"))).isEqualTo("'it'\\''s'");
    }

    @Test
    void malformedKeysAndPinsAreTypedErrors() {
        for (String bad : List.of("", "SHA256:short", "ssh-ed25519 !!!", "ssh-rsa", "MD5:aa:bb")) {
            assertThatThrownBy(() -> HostKeyPin.parse(bad)).as(bad).isInstanceOf(SshKeyFormatException.class);
        }
        assertThatThrownBy(() -> SshKeys.parsePrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"))
                .isInstanceOf(SshKeyFormatException.class);
    }
}
