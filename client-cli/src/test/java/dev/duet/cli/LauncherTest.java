package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code duet} launcher at the repository root, run by bash in a sandbox: a copy of it beside
 * placeholder jars, and a PATH holding only the shell tools it uses plus stubs for {@code apt-get},
 * {@code sudo}, {@code mvn} and {@code java} that record every call. A client verb must install
 * nothing; the demo must say why it failed.
 */
class LauncherTest {
    private static final List<String> TOOLS = List.of("bash", "cat", "chmod", "dirname", "env", "find", "grep", "head",
            "id", "ls", "mkdir", "rm", "sed", "seq", "sleep", "sort", "tail", "touch");
    private static final String CLI_JAR = "client-cli/target/client-cli-0.1.0-SNAPSHOT-all.jar";
    private static final String CONTROLLER_JAR = "controller-api/target/controller-api-0.1.0-SNAPSHOT-all.jar";

    @TempDir Path work;
    Path project;
    Path bin;
    Path calls;

    record Run(int exit, String out, String err, List<String> calls) {
        List<String> installs() {
            return calls.stream().filter(c -> c.startsWith("apt-get") || c.startsWith("sudo")).toList();
        }
    }

    @BeforeEach
    void sandbox() throws IOException {
        project = Files.createDirectories(work.resolve("project"));
        Files.copy(Path.of("").toAbsolutePath().getParent().resolve("duet"), project.resolve("duet"));
        for (String jar : List.of(CLI_JAR, CONTROLLER_JAR)) {
            Files.createDirectories(project.resolve(jar).getParent());
            Files.createFile(project.resolve(jar));
        }
        bin = Files.createDirectories(work.resolve("bin"));
        for (String tool : TOOLS) {
            Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IllegalStateException(tool + " is not installed"));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        calls = work.resolve("calls");
        Files.createFile(calls);
        stub("apt-get", "");
        stub("sudo", "");
        stub("mvn", "touch " + CLI_JAR + " " + CONTROLLER_JAR + "\n");
        stub("java", """
                case "$*" in
                  "-XshowSettings:properties -version") echo "    java.specification.version = 17" >&2 ;;
                  *controller-api*)
                    if [ "$STUB_CONTROLLER" = dies ]; then
                      echo "building the guest image failed: build-image: cannot resolve libtomcrypt.so.1 (needed by /sbin/dropbear) in the image's packages" >&2
                      exit 1
                    fi
                    echo "SIMULATED controller attestation (proves nothing about hardware): simulated ARK SHA-256 $(printf '%064d' 0)"
                    echo "duet controller listening on https://127.0.0.1:9 (stub)"
                    exec sleep 30 ;;
                  *" create "*) echo "cvm-0123456789abcdef failed (the guest failed to start: dropbear exited: stub reason)"; exit 1 ;;
                esac
                """);
    }

    @Test
    void aClientVerbInstallsNothing() throws Exception {
        Run run = launch("list");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.installs()).isEmpty();
        assertThat(run.calls()).contains("java -jar " + project.resolve(CLI_JAR) + " list");
    }

    @Test
    void aClientVerbWithoutJavaSaysWhatToInstallAndInstallsNothing() throws Exception {
        Files.delete(bin.resolve("java"));
        Run run = launch("list");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("duet: java is missing; install it with: apt-get install openjdk-17-jdk-headless (as root)\n");
        assertThat(run.calls()).isEmpty();
    }

    @Test
    void aClientVerbWithoutJarsOrMavenSaysWhatToInstallAndInstallsNothing() throws Exception {
        Files.delete(project.resolve(CLI_JAR));
        Files.delete(bin.resolve("mvn"));
        Run run = launch("evidence");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("duet: the duet jars are not built and mvn is missing; install it with: apt-get install maven (as root)\n");
        assertThat(run.installs()).isEmpty();
    }

    @Test
    void aClientVerbBuildsMissingJarsWithMavenAndInstallsNothing() throws Exception {
        Files.delete(project.resolve(CLI_JAR));
        Run run = launch("list");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.installs()).isEmpty();
        assertThat(run.calls()).containsSubsequence("mvn -B -q -DskipTests -Dduet.commit=unknown package", "java -jar " + project.resolve(CLI_JAR) + " list");
    }

    @Test
    void theDemoShowsWhyCreatingTheCvmFailedAndExitsNonZero() throws Exception {
        Run run = launch(Map.of(), "demo");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("cvm-0123456789abcdef failed (the guest failed to start: dropbear exited: stub reason)\n");
        assertThat(run.err()).contains("creating the CVM failed").contains("duet demo: FAILED (exit status 2) during: owner: create a CVM");
    }

    @Test
    void theDemoShowsTheControllersErrorsWhenItExits() throws Exception {
        long started = System.nanoTime();
        Run run = launch(Map.of("STUB_CONTROLLER", "dies"), "demo");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("the controller exited with status 1 before it listened")
                .contains("  building the guest image failed: build-image: cannot resolve libtomcrypt.so.1 (needed by /sbin/dropbear)");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).as("no waiting for a dead controller").isLessThan(20);
    }

    private void stub(String name, String body) throws IOException {
        Path stub = bin.resolve(name);
        Files.writeString(stub, "#!/bin/bash\necho \"" + name + " $*\" >> \"$STUB_CALLS\"\n" + body, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Run launch(String... args) throws Exception {
        return launch(Map.of(), args);
    }

    private Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("/bin/bash", project.resolve("duet").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", bin.toString(), "HOME", work.toString(), "LANG", "C", "STUB_CALLS", calls.toString()));
        builder.environment().putAll(env);
        builder.redirectOutput(work.resolve("out").toFile()).redirectError(work.resolve("err").toFile());
        Process process = builder.start();
        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        assertThat(finished).as("the launcher finishes").isTrue();
        return new Run(process.exitValue(), Files.readString(work.resolve("out")), Files.readString(work.resolve("err")),
                Files.readAllLines(calls));
    }
}
