package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings file ({@code $DUET_CONFIG}, profiles) and environment variables as defaults for the
 * controller, the owner key and the trust options: a flag wins over the environment, which wins over
 * the file; a file duet does not understand is refused in one line, exit 2, and nothing is sent.
 */
class CliConfigTest {
    @TempDir Path dir;

    private final Map<String, String> env = new HashMap<>();

    private CliInputTest.Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DuetCli.commandLine(out, err, env::get, args).execute(args);
        return new CliInputTest.Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path settings(String yaml) throws Exception {
        Path file = Files.writeString(dir.resolve("config.yaml"), yaml);
        env.put("DUET_CONFIG", file.toString());
        return file;
    }

    @Test
    void theFileGivesTheControllerAndTheKeyTheEnvironmentOverridesItAndAFlagOverridesBoth() throws Exception {
        assertThat(run("keygen", "--out", dir.resolve("owner.key").toString()).exit()).isZero();
        try (LoopbackController fromFile = LoopbackController.start(dir); LoopbackController fromEnv = LoopbackController.start(dir);
                LoopbackController fromFlag = LoopbackController.start(dir)) {
            settings("controller: " + fromFile.url() + "\nkey: owner.key\n");
            CliInputTest.Run mode = run("mode", LoopbackController.CVM, "in-service");
            assertThat(mode.exit()).as(mode.err()).isZero();
            assertThat(fromFile.requests()).containsExactly("GET /v1/log/checkpoint", "PUT /v1/cvms/" + LoopbackController.CVM + "/mode");

            env.put("DUET_CONTROLLER", fromEnv.url());
            assertThat(run("list").exit()).isZero();
            assertThat(fromEnv.requests()).containsExactly("GET /v1/cvms");

            assertThat(run("list", "--controller", fromFlag.url()).exit()).isZero();
            assertThat(fromFlag.requests()).containsExactly("GET /v1/cvms");
            assertThat(fromFile.requests()).hasSize(2);
        }
    }

    @Test
    void aProfileChosenByFlagOrEnvironmentOverridesTheTopLevel() throws Exception {
        try (LoopbackController top = LoopbackController.start(dir); LoopbackController lab = LoopbackController.start(dir)) {
            settings("controller: " + top.url() + "\nprofiles:\n  lab:\n    controller: " + lab.url() + "\n  empty: {}\n");
            assertThat(run("list", "--profile", "lab").exit()).isZero();
            assertThat(run("--profile", "lab", "list").exit()).isZero();
            assertThat(lab.requests()).hasSize(2);
            env.put("DUET_PROFILE", "lab");
            assertThat(run("list").exit()).isZero();
            assertThat(lab.requests()).hasSize(3);
            assertThat(run("list", "--profile", "empty").exit()).isZero();
            assertThat(top.requests()).as("a profile without a controller leaves the top level's").hasSize(1);
        }
    }

    @Test
    void aSettingsFileDuetDoesNotUnderstandIsRefusedInOneLineAndNothingIsSent() throws Exception {
        try (LoopbackController c = LoopbackController.start(dir)) {
            Path file = settings("controller: " + c.url() + "\ncolour: blue\n");
            CliInputTest.assertOneLineError(run("list"), 2, "settings file " + file + ": colour is not a setting duet knows (controller, key, ");
            settings("controller: " + c.url() + "\nprofiles:\n  lab:\n    controler: " + c.url() + "\n");
            CliInputTest.assertOneLineError(run("list"), 2, ": profiles.lab.controler is not a setting duet knows");
            settings("controller: " + c.url() + "\n");
            CliInputTest.assertOneLineError(run("list", "--profile", "prod"), 2, "no profile 'prod' in " + file + " (it has none)");
            settings("controller: [1, 2\n");
            CliInputTest.assertOneLineError(run("list"), 2, "is not YAML");
            settings("- controller\n");
            CliInputTest.assertOneLineError(run("list"), 2, "must be a YAML mapping of settings");
            CliInputTest.Run json = run("list", "--json", "--profile", "prod");
            assertThat(json.exit()).isEqualTo(2);
            assertThat(json.out()).contains("\"ok\" : false");
            settings("http-timeout: soon\ncontroller: " + c.url() + "\n");
            CliInputTest.assertOneLineError(run("list"), 2, "--http-timeout (from the settings file) must be whole seconds");
            env.put("DUET_HTTP_TIMEOUT", "later");
            CliInputTest.assertOneLineError(run("list"), 2, "$DUET_HTTP_TIMEOUT must be whole seconds");
            assertThat(c.requests()).as("nothing was sent").isEmpty();
        }
    }

    @Test
    void theKeyAndTheTrustOptionsComeFromTheEnvironmentAndAMissingKeyIsNamed() throws Exception {
        assertThat(run("keygen", "--out", dir.resolve("owner.key").toString()).exit()).isZero();
        try (LoopbackController c = LoopbackController.start(dir)) {
            env.put("DUET_CONTROLLER", c.url());
            CliInputTest.Run noKey = run("stop", LoopbackController.CVM);
            assertThat(noKey.exit()).isEqualTo(2);
            assertThat(noKey.err()).contains("--key");
            env.put("DUET_KEY", dir.resolve("owner.key").toString());
            CliInputTest.Run stop = run("stop", LoopbackController.CVM);
            assertThat(stop.exit()).as(stop.err()).isZero();
            settings("state-dir: remembered\n");
            CliInputTest.Run checkpoint = run("log", "checkpoint", "--allow-no-tee");
            assertThat(checkpoint.exit()).as(checkpoint.err()).isZero();
            assertThat(dir.resolve("remembered")).as("the file's relative path is relative to the file").isDirectory();
        }
        try (LoopbackController c = LoopbackController.start(dir)) {
            env.put("DUET_CONTROLLER", c.url());
            settings("state-dir: remembered\ncontroller-key: nowhere.pub\nprofiles:\n  dev:\n    trust-simulated-root: " + "a".repeat(64) + "\n");
            CliInputTest.assertOneLineError(run("log", "checkpoint"), 2, "cannot read controller key " + dir.resolve("nowhere.pub"));
            CliInputTest.Run typed = run("log", "checkpoint", "--allow-no-tee");
            assertThat(typed.exit()).as("a trust option typed replaces the file's: " + typed.err()).isZero();
            CliInputTest.Run profile = run("log", "checkpoint", "--profile", "dev");
            assertThat(profile.exit()).as("a profile's trust replaces the top level's").isEqualTo(1);
            assertThat(profile.err()).doesNotContain("nowhere.pub").contains("not attested");
        }
        assertThat(List.of(CliConfig.variable("--tls-pin"), CliConfig.variable("--controller-key"))).containsExactly("DUET_TLS_PIN", "DUET_CONTROLLER_KEY");
    }
}
