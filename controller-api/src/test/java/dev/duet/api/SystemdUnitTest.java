package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The systemd unit (deploy/systemd): systemd itself finds nothing wrong in it where systemd-analyze
 * exists, its ExecStart is a command line the controller accepts, and with the example settings and
 * the unit's environment the controller would use the directories the sandbox leaves writable.
 */
class SystemdUnitTest {
    private static final Path UNIT = Path.of("..", "deploy", "systemd", "duet-controller.service");
    private static final Path EXAMPLE = Path.of("..", "deploy", "systemd", "controller.yaml");
    private static final String JAR_COMMAND = "/usr/bin/java -jar /usr/share/duet/duet-controller.jar ";

    private static List<String> values(String key) throws Exception {
        return Files.readAllLines(UNIT).stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).toList();
    }

    @Test
    void systemdFindsNothingWrongInTheUnit() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze is not installed");
        Process verify = new ProcessBuilder("systemd-analyze", "verify", UNIT.toAbsolutePath().normalize().toString())
                .redirectErrorStream(true).start();
        String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(said).isZero();
        assertThat(said).as("warnings, e.g. an unknown directive").isEmpty();
    }

    @Test
    void execStartIsACommandLineTheControllerAcceptsWithTheSandboxesDirectories() throws Exception {
        List<String> execStart = values("ExecStart");
        assertThat(execStart).hasSize(1);
        assertThat(execStart.get(0)).startsWith(JAR_COMMAND);
        List<String> args = new ArrayList<>(Arrays.asList(execStart.get(0).substring(JAR_COMMAND.length()).split(" ")));
        int config = args.indexOf("--config");
        assertThat(config).isPositive();
        assertThat(args.get(config + 1)).isEqualTo("/etc/duet/controller.yaml");
        args.set(config + 1, EXAMPLE.toString());

        Map<String, String> environment = new HashMap<>();
        for (String assignment : values("Environment")) {
            String[] kv = assignment.split("=", 2);
            environment.put(kv[0], kv[1]);
        }
        CommandLine cli = ControllerMain.commandLine(args, environment);
        CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        ControllerMain.Serve serve = (ControllerMain.Serve) parsed.subcommand().commandSpec().userObject();

        List<String> writable = Arrays.asList(values("ReadWritePaths").get(0).split(" "));
        assertThat(writable).contains(serve.dataDir.toString());
        assertThat(serve.dataDir).isEqualTo(Path.of("/var/lib/" + values("StateDirectory").get(0)));
        assertThat(writable.stream().anyMatch(w -> serve.guestImage.startsWith(w))).as(serve.guestImage + " is writable").isTrue();
        assertThat(serve.port).as("no capability to bind a port below 1024").isGreaterThan(1023);
        assertThat(serve.tls()).contains(true);

        for (String hardening : List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                "CapabilityBoundingSet=", "DeviceAllow=/dev/kvm rw", "RestrictSUIDSGID=yes", "UMask=0077")) {
            assertThat(Files.readAllLines(UNIT)).as(hardening).contains(hardening);
        }
    }
}
