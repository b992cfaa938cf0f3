package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input gives exit 2 and one readable line on stderr, never a stack trace. */
class CliInputTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = DuetCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    static void assertOneLineError(Run r, int exit, String fragment) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.err()).startsWith("duet: ").contains(fragment).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().strip().lines().count()).isEqualTo(1);
    }

    @Test
    void usageErrors() {
        assertOneLineError(run("no-such-verb"), 2, "Unmatched argument");
        assertOneLineError(run("run", "--key", "k"), 2, "Missing required parameter");
        assertOneLineError(run("verify-state"), 2, "either a CVM id");
        assertOneLineError(run("verify-state", "--file", dir.resolve("missing.json").toString()), 2, "cannot read JSON");
    }

    @Test
    void keyFileProblems() throws Exception {
        assertOneLineError(run("mode", "--key", dir.resolve("absent").toString(), "cvm-1", "in-service"), 2, "cannot read owner key");
        Files.writeString(dir.resolve("junk"), "not a key");
        assertOneLineError(run("mode", "--key", dir.resolve("junk").toString(), "cvm-1", "in-service"), 2, "owner key");
        assertThat(run("keygen", "--out", dir.resolve("k").toString()).exit()).isZero();
        assertThat(Files.getPosixFilePermissions(dir.resolve("k"))).hasSize(2);
        assertOneLineError(run("keygen", "--out", dir.resolve("k").toString()), 2, "refusing to overwrite");
    }

    @Test
    void controllerAddressProblems() throws Exception {
        assertOneLineError(run("list", "--controller", "ftp://x"), 2, "http(s) URL");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertOneLineError(run("list", "--controller", "http://127.0.0.1:" + closedPort), 2, "cannot reach the controller");
    }

    @Test
    void offlineVerificationNeedsAnAnchor() throws Exception {
        Files.writeString(dir.resolve("state.json"), "{\"payload\":{},\"signature\":{}}");
        assertOneLineError(run("verify-state", "--file", dir.resolve("state.json").toString()), 2, "--controller-key or --evidence");
    }
}
