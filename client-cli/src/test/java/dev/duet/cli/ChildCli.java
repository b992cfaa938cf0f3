package dev.duet.cli;

import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code duet} in a JVM of its own (its heap chosen by the test), killed if it does not finish in time. */
final class ChildCli {
    record Result(int exit, String out, String err, Duration took) {}

    private ChildCli() {}

    static Result run(Path dir, String heap, Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx" + heap, "-cp", System.getProperty("java.class.path"), DuetCli.class.getName()));
        command.addAll(List.of(args));
        return start(new ProcessBuilder(command), dir, timeout, "duet " + String.join(" ", args));
    }

    /**
     * A shell script run by {@code sh} in {@code workingDirectory}, with {@code duet} defined as this
     * CLI: for running what the CLI prints exactly as a user would paste it.
     */
    static Result shell(Path workingDirectory, Path dir, Duration timeout, String script) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", "duet() { \"$DUET_JAVA\" -Xmx64m -cp \"$DUET_CP\" " + DuetCli.class.getName()
                + " \"$@\"; }\n" + script).directory(workingDirectory.toFile());
        builder.environment().put("DUET_JAVA", java());
        builder.environment().put("DUET_CP", System.getProperty("java.class.path"));
        return start(builder, dir, timeout, script);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Result start(ProcessBuilder builder, Path dir, Duration timeout, String what) throws Exception {
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        long start = System.nanoTime();
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            fail(what + " did not finish in " + timeout + "; stderr: " + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                Duration.ofNanos(System.nanoTime() - start));
    }
}
