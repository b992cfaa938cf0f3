package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve}'s settings: a flag beats its environment variable, which beats the configuration
 * file, which beats the default; every option can be set in the file, an unknown or malformed
 * setting is refused with one line and exit 2 (a real process), and {@code --version} names the
 * release and commit, for the controller and each of its commands.
 */
class ControllerSettingsTest {
    @TempDir Path dir;

    private ControllerMain.Serve parse(Map<String, String> environment, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("serve"));
        all.addAll(List.of(args));
        CommandLine cli = ControllerMain.commandLine(all, environment);
        CommandLine.ParseResult parsed = cli.parseArgs(all.toArray(String[]::new));
        return (ControllerMain.Serve) parsed.subcommand().commandSpec().userObject();
    }

    private Path file(String yaml) throws Exception {
        Path file = dir.resolve("controller-" + System.nanoTime() + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
        Path config = file("data-dir: /var/lib/duet\nlisten: 0.0.0.0\nport: 8443\nowner-key: [/etc/duet/a.pub, /etc/duet/b.pub]\n"
                + "tls: true\nqemu: 'off'\nattestation: simulated-snp\n");
        ControllerMain.Serve fromFile = parse(Map.of(), "--config", config.toString());
        assertThat(fromFile.dataDir).isEqualTo(Path.of("/var/lib/duet"));
        assertThat(fromFile.listen).isEqualTo("0.0.0.0");
        assertThat(fromFile.port).isEqualTo(8443);
        assertThat(fromFile.ownerKeys).containsExactly(Path.of("/etc/duet/a.pub"), Path.of("/etc/duet/b.pub"));
        assertThat(fromFile.tls()).contains(true);
        assertThat(fromFile.qemuMode).isEqualTo("off");
        assertThat(fromFile.attestation).isEqualTo("simulated-snp");
        assertThat(fromFile.evidence).as("not in the file: the default").isEqualTo("simulated-snp");

        Map<String, String> environment = Map.of("DUET_CONFIG", config.toString(), "DUET_PORT", "9000", "DUET_LISTEN", "127.0.0.1",
                "DUET_DATA_DIR", "");
        ControllerMain.Serve fromEnvironment = parse(environment);
        assertThat(fromEnvironment.port).isEqualTo(9000);
        assertThat(fromEnvironment.listen).isEqualTo("127.0.0.1");
        assertThat(fromEnvironment.dataDir).as("an empty variable is unset").isEqualTo(Path.of("/var/lib/duet"));

        ControllerMain.Serve fromFlags = parse(environment, "--port", "9100", "--no-tls");
        assertThat(fromFlags.port).isEqualTo(9100);
        assertThat(fromFlags.tls()).as("--no-tls over the file's true").contains(false);
        assertThat(parse(Map.of("DUET_TLS", "false"), "--config", config.toString()).tls()).contains(false);
        assertThat(parse(Map.of("DUET_TLS", "false"), "--data-dir", "/d", "--tls").tls()).contains(true);
        assertThat(fromFlags.listen).isEqualTo("127.0.0.1");

        ControllerMain.Serve defaults = parse(Map.of(), "--data-dir", "/d");
        assertThat(defaults.port).isEqualTo(8080);
        assertThat(defaults.listen).isEqualTo("127.0.0.1");
        assertThat(defaults.tls()).isEmpty();
        assertThatThrownBy(() -> parse(Map.of("DUET_TLS", "yes"), "--data-dir", "/d").tls()).hasMessageContaining("must be true or false");
    }

    @Test
    void azureSettingsThatDoNotGoTogetherAreRefusedAndTheSecretIsNeverInTheRefusal() throws Exception {
        assertThat(parse(Map.of(), "--data-dir", "/d").azure.support(Path.of("/d"))).as("no subscription, no Azure provider").isEmpty();
        assertThatThrownBy(() -> parse(Map.of(), "--data-dir", "/d", "--azure-location", "westeurope").azure.support(Path.of("/d")))
                .hasMessage("the --azure-… settings apply only with --azure-subscription");
        assertThatThrownBy(() -> parse(Map.of("DUET_AZURE_SUBSCRIPTION", "s"), "--data-dir", "/d").azure.support(Path.of("/d")))
                .hasMessage("--azure-subscription needs --azure-location and --azure-ssh-source");
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "very-secret-client-secret\n");
        assertThatThrownBy(() -> parse(Map.of(), "--data-dir", "/d", "--azure-subscription", "s", "--azure-location", "westeurope",
                "--azure-ssh-source", "198.51.100.7", "--azure-client-secret-file", secret.toString()).azure.support(Path.of("/d")))
                .hasMessage("--azure-client-secret-file needs --azure-tenant and --azure-client-id");
        assertThatThrownBy(() -> parse(Map.of(), "--data-dir", "/d", "--azure-subscription", "s", "--azure-location", "westeurope",
                "--azure-ssh-source", "*", "--azure-tenant", "t", "--azure-client-id", "c", "--azure-client-secret-file",
                secret.toString()).azure.support(Path.of("/d")))
                .hasMessageContaining("--azure-ssh-source").hasMessageNotContaining("very-secret");
    }

    @Test
    void anUnknownOrMalformedSettingIsRefusedInOneLine() throws Exception {
        assertThatThrownBy(() -> parse(Map.of(), "--config", file("data-dir: /d\nlisten-address: 0.0.0.0\n").toString()))
                .hasMessageContaining("unknown setting 'listen-address'").hasMessageContaining("known: accel, approval-expiry-seconds, attestation, azure-client-id");
        assertThatThrownBy(() -> parse(Map.of(), "--config", file("port: [1, 2]\n").toString())).hasMessageContaining("'port' must be a single value");
        assertThatThrownBy(() -> parse(Map.of(), "--config", file("port: 1\nport: 2\n").toString())).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> parse(Map.of(), "--config", file("- port\n").toString())).hasMessageContaining("must be a YAML mapping");
        assertThatThrownBy(() -> parse(Map.of("DUET_CONFIG", dir.resolve("absent.yaml").toString()))).hasMessageContaining("cannot be read");

        Process process = java("serve", "--config", file("data-dir: /d\nbogus: 1\n").toString());
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).isEqualTo(2);
        assertThat(err.lines().toList()).hasSize(1);
        assertThat(err).startsWith("duet-controller: configuration file ").contains("unknown setting 'bogus'");
    }

    @Test
    void versionNamesTheReleaseAndCommitWithoutADate() throws Exception {
        List<String> said = new ArrayList<>();
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"serve", "--version"}, new String[] {"init", "--version"})) {
            Process process = java(args);
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).isZero();
            said.add(out);
        }
        assertThat(said.get(0)).matches("duet-controller \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit ([0-9a-f]{40}(-modified)?"
                + "|unknown: built without -Dduet.commit, see docs/operations.md)\\)\\n");
        assertThat(said).containsOnly(said.get(0));
    }

    private static Process java(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ControllerMain.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("duet-controller " + String.join(" ", args) + " did not end");
        }
        return process;
    }
}
