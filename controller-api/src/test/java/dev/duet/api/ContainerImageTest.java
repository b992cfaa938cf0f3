package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image (deploy/container) built offline from the controller jar: it says the same
 * version as the jar, and serves, as a user without privileges, over HTTPS on its data volume.
 * Skipped where no container engine works (a fresh Debian root has none) or the jar is not built;
 * the settings and version it relies on are tested without a container (ControllerSettingsTest).
 */
class ContainerImageTest {
    private static final String TAG = "localhost/duet-controller:test";
    private static final List<String> RUN = List.of("podman", "--runtime", "runc", "run", "--ulimit", "nofile=1024:1024", "--ulimit",
            "nproc=1000:1000");

    @TempDir Path dir;

    private record Ran(int exit, String out) {}

    private static Ran run(List<String> command, int seconds) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end");
        }
        return new Ran(process.exitValue(), out);
    }

    private static boolean engineWorks() {
        try {
            return run(List.of("podman", "--runtime", "runc", "info"), 60).exit() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static Optional<Path> jar() throws Exception {
        Path target = Path.of("target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "controller-api-*-all.jar")) {
            for (Path jar : jars) {
                return Optional.of(jar.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    @Test
    void theImageSaysTheJarsVersionAndServes() throws Exception {
        assumeTrue(engineWorks(), "no container engine works here (podman with runc)");
        Optional<Path> jar = jar();
        assumeTrue(jar.isPresent(), "the controller jar is not built (mvn package)");

        Ran built = run(List.of("../deploy/container/build-image", jar.get().toString(), TAG), 600);
        assertThat(built.exit()).as(built.out()).isZero();
        Ran host = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.get().toString(), "--version"), 60);
        List<String> version = new ArrayList<>(RUN);
        version.addAll(List.of("--rm", TAG, "--version"));
        Ran inImage = run(version, 120);
        assertThat(inImage.exit()).as(inImage.out()).isZero();
        assertThat(inImage.out()).startsWith("duet-controller ").isEqualTo(host.out());

        Path owner = dir.resolve("owner.pub");
        Files.writeString(owner, dev.duet.protocol.Ed25519KeyPair.generate().publicKey().toPem());
        owner.toFile().setReadable(true, false);
        String name = "duet-test-" + ProcessHandle.current().pid();
        List<String> serve = new ArrayList<>(RUN);
        serve.addAll(List.of("-d", "--name", name, "-v", owner + ":/etc/duet/owner.pub:ro", "-e", "DUET_OWNER_KEY=/etc/duet/owner.pub", TAG));
        assertThat(run(serve, 120).exit()).isZero();
        try {
            String logs = "";
            for (int i = 0; i < 120 && !logs.contains("listening on") && !logs.contains("duet-controller:"); i++) {
                Thread.sleep(500);
                logs = run(List.of("podman", "logs", name), 60).out();
            }
            assertThat(logs).contains("duet controller listening on https://0.0.0.0:8443");
            assertThat(run(List.of("podman", "exec", name, "/opt/java/bin/java", "-XshowSettings:properties", "-version"), 60).out())
                    .as("runs as nobody").contains("user.name = nobody");
        } finally {
            run(List.of("podman", "rm", "-f", name), 60);
        }
    }
}
