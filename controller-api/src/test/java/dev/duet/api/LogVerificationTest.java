package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.duet.protocol.ControllerLog;
import dev.duet.protocol.Ed25519KeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's log checks against a live controller: checkpoints remembered across runs, inclusion
 * proofs, export and offline verification, and a real rollback (the data directory restored from an
 * older copy) and a real fork (that older copy grown differently), both reported with exit code 1.
 */
class LogVerificationTest {
    @TempDir Path dir;

    /** Grows the log by owner requests that are refused one by one (stopping CVMs that do not exist). */
    private static void grow(RunningController running, Ed25519KeyPair owner, int entries) throws Exception {
        TestOwner client = new TestOwner(running.port(), owner);
        for (int i = 0; i < entries; i++) {
            assertThat(client.signed("DELETE", "/v1/cvms/cvm-" + i, null).status()).isEqualTo(404);
        }
    }

    @Test
    void checkpointsInclusionExportRollbackAndFork() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        Path state = dir.resolve("state");
        Path older = dir.resolve("older");
        Path pinned = dir.resolve("controller.pub");
        String stateDir = state.toString();

        try (RunningController running = RunningController.start(data, List.of(owner.publicKey()))) {
            Files.writeString(pinned, running.controller.signingKey().toPem());
            grow(running, owner, 5);
            EndToEndTest.CliRun first = cli("log", "checkpoint", "--controller", running.url(), "--allow-no-tee", "--state-dir", stateDir);
            assertThat(first.exit()).as(first.out() + first.err()).isZero();
            assertThat(first.out()).contains("INSECURE").contains("size 6");
        }
        RunningController.copyDataDirectory(data, older);

        try (RunningController running = RunningController.start(data, List.of())) {
            grow(running, owner, 5);
            EndToEndTest.CliRun extended = cli("log", "checkpoint", "--controller", running.url(), "--controller-key", pinned.toString(), "--state-dir", stateDir);
            assertThat(extended.exit()).as(extended.out() + extended.err()).isZero();
            assertThat(extended.out()).contains("size 11");
            for (String index : List.of("0", "10")) {
                EndToEndTest.CliRun included = cli("log", "inclusion", "--index", index, "--controller", running.url(),
                        "--controller-key", pinned.toString(), "--state-dir", stateDir);
                assertThat(included.exit()).as(included.out() + included.err()).isZero();
                assertThat(included.out()).contains("is in the log of size 11");
            }
            assertThat(cli("log", "inclusion", "--index", "11", "--controller", running.url(), "--controller-key", pinned.toString(),
                    "--state-dir", stateDir).exit()).isEqualTo(2);

            Path export = dir.resolve("log.json");
            EndToEndTest.CliRun exported = cli("log", "export", "--controller", running.url(), "--out", export.toString());
            assertThat(exported.exit()).as(exported.err()).isZero();
            EndToEndTest.CliRun hint = runPrintedHint(exported.out());
            assertThat(hint.exit()).as("the hint, run as printed: " + hint.out() + hint.err()).isZero();
            assertThat(hint.out()).contains("INTACT");
            EndToEndTest.CliRun intact = cli("log", "verify-export", export.toString(), "--controller-key", pinned.toString());
            assertThat(intact.exit()).as(intact.out()).isZero();
            assertThat(intact.out()).startsWith("INTACT");
            Files.writeString(export, Files.readString(export).replace("cvm-2", "cvm-7"));
            EndToEndTest.CliRun tampered = cli("log", "verify-export", export.toString(), "--controller-key", pinned.toString());
            assertThat(tampered.exit()).isEqualTo(1);
            assertThat(tampered.out()).startsWith("TAMPERED").contains("first bad index 3");
            String whole = Files.readString(export);
            for (String broken : List.of(whole.substring(0, whole.length() / 2), "[]", "{\"entries\":{}}", "{\"checkpoint\":\"x\",\"entries\":[1]}", "not json")) {
                Files.writeString(export, broken);
                EndToEndTest.CliRun bad = cli("log", "verify-export", export.toString(), "--controller-key", pinned.toString());
                assertThat(bad.exit()).as(broken.length() > 40 ? "truncated export" : broken).isEqualTo(1);
                assertThat(bad.out()).startsWith("TAMPERED");
            }
        }

        try (RunningController rolledBack = RunningController.start(older, List.of())) {
            EndToEndTest.CliRun rollback = cli("log", "checkpoint", "--controller", rolledBack.url(), "--controller-key", pinned.toString(),
                    "--state-dir", stateDir);
            assertThat(rollback.exit()).isEqualTo(1);
            assertThat(rollback.out()).contains("ROLLBACK").contains("remembered checkpoint:").contains("offered checkpoint:")
                    .contains("  11\n").contains("  6\n");
            assertThat(rollback.err()).contains("rollback detected");

            grow(rolledBack, owner, 10);
            EndToEndTest.CliRun fork = cli("log", "checkpoint", "--controller", rolledBack.url(), "--controller-key", pinned.toString(),
                    "--state-dir", stateDir);
            assertThat(fork.exit()).isEqualTo(1);
            assertThat(fork.out()).contains("FORK");
            assertThat(fork.err()).contains("fork detected");

            Path fifoState = Files.createDirectory(dir.resolve("fifo-state"));
            Path remembered = fifoState.resolve(ControllerLog.origin(rolledBack.controller.signingKey()).replaceAll("[^A-Za-z0-9._-]", "_") + ".checkpoint");
            assertThat(new ProcessBuilder("mkfifo", remembered.toString()).start().waitFor()).isZero();
            EndToEndTest.CliRun fifo = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> cli("log", "checkpoint", "--controller",
                    rolledBack.url(), "--controller-key", pinned.toString(), "--state-dir", fifoState.toString()));
            assertThat(fifo.exit()).isEqualTo(2);
            assertThat(fifo.err()).startsWith("duet: ").contains(remembered.toString()).contains("not a regular file");
        }
    }

    /** Finds the {@code duet log verify-export …} command that {@code log export} printed and runs it, words split as sh would. */
    private static EndToEndTest.CliRun runPrintedHint(String exportOutput) {
        int at = exportOutput.indexOf("duet log verify-export");
        assertThat(at).as(exportOutput).isNotNegative();
        String line = exportOutput.substring(at).lines().findFirst().orElseThrow();
        if (line.endsWith(")")) {
            line = line.substring(0, line.length() - 1);
        }
        List<String> words = new java.util.ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return cli(words.subList(1, words.size()).toArray(String[]::new));
    }
}
