package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.cli.DuetCli;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet run} against a real controller and Debian's real sshd, as a real process where the
 * process matters (its stdout bytes and its exit status): the remote command's output comes back
 * byte for byte on stdout and stderr, truncation is said, and the exit code is the remote
 * command's, as with ssh; timeouts, signals, refusals and an unreachable controller have their own
 * documented codes (docs/operations.md).
 */
class RunCommandTest {
    @TempDir Path dir;

    record Child(int exit, byte[] out, byte[] err) {
        String errText() {
            return new String(err, StandardCharsets.UTF_8);
        }
    }

    /** The CLI in a JVM of its own, so that its stdout and stderr are the real byte streams. */
    private Child duet(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DuetCli.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".bin");
        Path err = Files.createTempFile(dir, "err", ".bin");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", args)).isTrue();
        return new Child(process.exitValue(), Files.readAllBytes(out), Files.readAllBytes(err));
    }

    /** The CLI in this JVM, on byte streams: the same code as the process, without a JVM start. */
    private static Child inProcess(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int exit = DuetCli.commandLine(out, err, args).execute(args);
        return new Child(exit, out.toByteArray(), err.toByteArray());
    }

    @Test
    void outputIsBytesAndTheExitCodeIsTheRemoteCommands() throws Exception {
        Path ownerKey = dir.resolve("owner.key");
        assertThat(EndToEndTest.cli("keygen", "--out", ownerKey.toString()).exit()).isZero();
        Ed25519KeyPair owner = Ed25519KeyPair.parsePem(Files.readString(ownerKey));
        byte[] binary = new byte[256 + 65_536];
        for (int i = 0; i < 256; i++) {
            binary[i] = (byte) i;
        }
        byte[] random = new byte[65_536];
        new Random(9).nextBytes(random);
        System.arraycopy(random, 0, binary, 256, random.length);
        Path blob = dir.resolve("blob.bin");
        Files.write(blob, binary);

        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()))) {
            EndToEndTest.CliRun adopt = EndToEndTest.adopt(running.url(), ownerKey, "bytes", sshd);
            assertThat(adopt.exit()).as(adopt.err()).isZero();
            String cvm = adopt.out().split(" ")[0];
            String[] run = {"run", "--controller", running.url(), "--key", ownerKey.toString()};

            Child cat = duet(concat(run, cvm, "--", "cat", blob.toString()));
            assertThat(cat.exit()).as(cat.errText()).isZero();
            assertThat(cat.out()).as("stdout byte for byte").isEqualTo(binary);
            Child toStderr = inProcess(concat(run, cvm, "--", "sh", "-c", "cat " + blob + " >&2"));
            assertThat(toStderr.exit()).isZero();
            assertThat(java.util.Arrays.copyOf(toStderr.err(), binary.length)).as("stderr byte for byte").isEqualTo(binary);
            assertThat(toStderr.out()).isEmpty();

            assertThat(duet(concat(run, cvm, "--", "sh", "-c", "exit 7")).exit()).isEqualTo(7);
            Child json = inProcess(concat(run, "--json", cvm, "--", "sh", "-c", "echo hi; exit 3"));
            assertThat(json.exit()).isEqualTo(3);
            JsonNode result = TestOwner.JSON.readTree(json.out());
            assertThat(result.path("exit_status").asInt()).isEqualTo(3);
            assertThat(result.path("exit_code").asInt()).isEqualTo(3);

            Child big = inProcess(concat(run, cvm, "--", "head", "-c", "1100000", "/dev/zero"));
            assertThat(big.exit()).isZero();
            assertThat(big.out()).hasSize(1 << 20);
            assertThat(big.errText()).contains("stdout truncated: 1048576 of 1100000 bytes");

            Child signalled = inProcess(concat(run, cvm, "--", "sh", "-c", "kill -TERM $$"));
            assertThat(signalled.exit()).as(signalled.errText()).isEqualTo(128 + 15);
            Child slow = inProcess(concat(run, "--timeout", "1", cvm, "--", "sleep", "30"));
            assertThat(slow.exit()).as(slow.errText()).isEqualTo(124);
            assertThat(slow.errText()).contains("timed out");

            assertThat(EndToEndTest.cli("mode", "--controller", running.url(), "--key", ownerKey.toString(), cvm, "in-service").exit()).isZero();
            Child refused = inProcess(concat(run, cvm, "--", "true"));
            assertThat(refused.exit()).as(refused.errText()).isEqualTo(254);
            assertThat(refused.errText()).startsWith("duet: controller refused (409 mode-forbids)");
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Child unreachable = inProcess("run", "--controller", "http://127.0.0.1:" + closedPort, "--key", ownerKey.toString(), "cvm-0123456789abcdef", "--", "true");
        assertThat(unreachable.exit()).isEqualTo(255);
        assertThat(unreachable.errText()).contains("cannot reach the controller at http://127.0.0.1:" + closedPort + ": connection refused");
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
