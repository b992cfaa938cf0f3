package dev.duet.provisioner.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.duet.provisioner.testing.OpenSshServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File transfers over SFTP against Debian's real sshd and sftp-server on a loopback port. */
class SftpFilesTest {
    private static SshConnector connector;
    @TempDir Path dir;
    private OpenSshServer server;
    private SshConnection connection;
    private Path files;

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
        connection = connect();
        files = Files.createDirectories(dir.resolve("files"));
    }

    @AfterEach
    void stopServer() throws Exception {
        connection.close();
        server.close();
    }

    private SshConnection connect() throws Exception {
        return connector.connect(new SshEndpoint("127.0.0.1", server.port(), OpenSshServer.user()), HostKeyPin.parse(server.hostPublicKey()),
                SshKeys.parsePrivateKey(server.bootstrapPrivateKey()));
    }

    @Test
    void aWriteLandsWithItsModeAndContentAndLeavesNoTemporaryFile() throws Exception {
        Path target = files.resolve("app.conf");
        connection.writeFile(target.toString(), 0640, new ByteArrayInputStream("key = value\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.readString(target)).isEqualTo("key = value\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r-----");
        assertThat(names(files)).containsExactly("app.conf");
    }

    @Test
    void aWriteReplacesAnExistingFileWhole() throws Exception {
        Path target = Files.writeString(files.resolve("app.conf"), "old and longer content\n");
        byte[] fresh = new byte[300_000];
        new java.util.Random(1).nextBytes(fresh);
        connection.writeFile(target.toString(), 0600, new ByteArrayInputStream(fresh));
        assertThat(Files.readAllBytes(target)).isEqualTo(fresh);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        assertThat(names(files)).containsExactly("app.conf");
    }

    @Test
    void aWriteWhoseContentBreaksMidwayLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path target = Files.writeString(files.resolve("app.conf"), "old\n");
        FileTransferFailure failure = catchThrowableOfType(() -> connection.writeFile(target.toString(), 0644,
                breakingAfter(200_000, () -> {
                    throw new IOException("the upload broke");
                })), FileTransferFailure.class);
        assertThat(failure.kind()).isEqualTo(FileTransferFailure.Kind.BROKEN);
        assertThat(failure.getMessage()).contains("the upload broke");
        assertThat(failure.leftover()).isEmpty();
        assertThat(Files.readString(target)).isEqualTo("old\n");
        assertThat(names(files)).containsExactly("app.conf");
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void aSessionThatDiesMidwayLeavesTheOldFileAndNamesTheTemporaryFileForAFreshSessionToRemove() throws Exception {
        Path target = Files.writeString(files.resolve("app.conf"), "old\n");
        FileTransferFailure failure = catchThrowableOfType(() -> connection.writeFile(target.toString(), 0644,
                breakingAfter(200_000, () -> {
                    server.killSessions();
                    return false;
                })), FileTransferFailure.class);
        assertThat(failure.kind()).isEqualTo(FileTransferFailure.Kind.BROKEN);
        assertThat(Files.readString(target)).isEqualTo("old\n");
        String temp = failure.leftover().orElseThrow();
        assertThat(names(files)).containsExactlyInAnyOrder("app.conf", Path.of(temp).getFileName().toString());
        assertThat(Files.getPosixFilePermissions(Path.of(temp))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (SshConnection fresh = connect()) {
            fresh.removeLeftover(temp);
            fresh.removeLeftover(temp);
        }
        assertThat(names(files)).containsExactly("app.conf");
    }

    @Test
    void aWriteTheServerRefusesChangesNothing() throws Exception {
        Path missing = files.resolve("no-such-dir/app.conf");
        FileTransferFailure failure = catchThrowableOfType(() -> connection.writeFile(missing.toString(), 0644,
                new ByteArrayInputStream(new byte[10])), FileTransferFailure.class);
        assertThat(failure.kind()).isEqualTo(FileTransferFailure.Kind.REFUSED);
        assertThat(failure.getMessage()).contains("No such file");
        Files.createDirectory(files.resolve("a-directory"));
        FileTransferFailure ontoDirectory = catchThrowableOfType(() -> connection.writeFile(files.resolve("a-directory").toString(), 0644,
                new ByteArrayInputStream(new byte[10])), FileTransferFailure.class);
        assertThat(ontoDirectory.kind()).isEqualTo(FileTransferFailure.Kind.REFUSED);
        assertThat(ontoDirectory.leftover()).isEmpty();
        assertThat(names(files)).containsExactly("a-directory");
        assertThat(names(files.resolve("a-directory"))).isEmpty();
    }

    @Test
    void aReadHashesTheFileWithinItsLimit() throws Exception {
        byte[] content = "secret = 42\n".getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(files.resolve("app.conf"), content);
        RemoteFile read = connection.readFile(file.toString(), content.length);
        assertThat(read.bytes()).isEqualTo(content);
        assertThat(read.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        assertThatThrownBy(() -> connection.readFile(file.toString(), content.length - 1))
                .isInstanceOfSatisfying(FileTransferFailure.class, f -> assertThat(f.kind()).isEqualTo(FileTransferFailure.Kind.TOO_LARGE))
                .hasMessageContaining("holds 12 bytes; at most 11");
    }

    @Test
    void aReadRefusesLinksDirectoriesAndMissingFiles() throws Exception {
        Path secret = Files.writeString(dir.resolve("elsewhere"), "not to be read\n");
        Path link = Files.createSymbolicLink(files.resolve("link"), secret);
        assertThatThrownBy(() -> connection.readFile(link.toString(), 1000))
                .isInstanceOfSatisfying(FileTransferFailure.class, f -> assertThat(f.kind()).isEqualTo(FileTransferFailure.Kind.NOT_A_FILE));
        assertThatThrownBy(() -> connection.readFile(files.toString(), 1000))
                .isInstanceOfSatisfying(FileTransferFailure.class, f -> assertThat(f.kind()).isEqualTo(FileTransferFailure.Kind.NOT_A_FILE));
        assertThatThrownBy(() -> connection.readFile(files.resolve("missing").toString(), 1000))
                .isInstanceOfSatisfying(FileTransferFailure.class, f -> assertThat(f.kind()).isEqualTo(FileTransferFailure.Kind.REFUSED));
    }

    @Test
    void noTransferGoesThroughADirectoryThatIsASymbolicLink() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("secret"), "not to be read\n");
        Path linked = Files.createSymbolicLink(files.resolve("linked"), elsewhere);
        FileTransferFailure write = catchThrowableOfType(() -> connection.writeFile(linked.resolve("app.conf").toString(), 0644,
                new ByteArrayInputStream(new byte[10])), FileTransferFailure.class);
        assertThat(write.kind()).isEqualTo(FileTransferFailure.Kind.THROUGH_LINK);
        assertThat(write.leftover()).isEmpty();
        assertThat(names(elsewhere)).as("no file and no temporary file where the link leads").containsExactly("secret");
        assertThatThrownBy(() -> connection.readFile(linked.resolve("secret").toString(), 1000))
                .isInstanceOfSatisfying(FileTransferFailure.class, f -> assertThat(f.kind()).isEqualTo(FileTransferFailure.Kind.THROUGH_LINK));
        Files.createDirectories(linked.resolve("sub"));
        assertThatThrownBy(() -> connection.writeFile(files.resolve("linked/sub/app.conf").toString(), 0644, new ByteArrayInputStream(new byte[1])))
                .as("a link further up counts too").isInstanceOfSatisfying(FileTransferFailure.class,
                        f -> assertThat(f.kind()).isEqualTo(FileTransferFailure.Kind.THROUGH_LINK));
        assertThat(names(elsewhere.resolve("sub"))).isEmpty();
        Path nested = Files.createDirectories(files.resolve("real/sub"));
        connection.writeFile(nested.resolve("app.conf").toString(), 0644, new ByteArrayInputStream(new byte[3]));
        assertThat(connection.readFile(nested.resolve("app.conf").toString(), 10).bytes()).hasSize(3);
    }

    /** What a breaking stream does once its first bytes are sent: throw, or break something else and go on (false). */
    private interface Break {
        boolean run() throws IOException;
    }

    /** Endless content that runs {@code brk} once {@code after} bytes were read, then goes on. */
    private static InputStream breakingAfter(int after, Break brk) {
        return new InputStream() {
            private long given;
            private boolean broken;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (given >= after && !broken) {
                    broken = true;
                    brk.run();
                }
                if (given > 64L << 20) {
                    return -1;
                }
                given += len;
                return len;
            }
        };
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}
