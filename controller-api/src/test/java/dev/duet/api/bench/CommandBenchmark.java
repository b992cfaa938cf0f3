package dev.duet.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.api.ControllerServer;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.ssh.HostKeyPin;
import dev.duet.provisioner.ssh.RemoteCommand;
import dev.duet.provisioner.ssh.SshConnection;
import dev.duet.provisioner.ssh.SshConnector;
import dev.duet.provisioner.ssh.SshEndpoint;
import dev.duet.provisioner.ssh.SshKeys;
import dev.duet.provisioner.testing.OpenSshServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Command round trip (issue 15, item 1): a controller adopts Debian's sshd on loopback, as the tests
 * do, and {@code true} runs N times three ways, alternating within each round: the owner-signed
 * {@code POST /v1/cvms/{id}/commands} (HTTP, both log entries durable, the reused SSH session),
 * OpenSSH {@code ssh} reusing a ControlMaster session to the same sshd (the baseline), and the
 * controller's SSH exec alone ({@link SshConnection#run}, the same code the controller runs). Before
 * the rounds the controller serves a number of commands (default 3,000), as a running one has.
 * Run by bench/command-benchmark.sh.
 */
public final class CommandBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String url;
    private static Ed25519KeyPair owner;

    private static JsonNode owner(String method, String path, String body) throws Exception {
        return BenchOwner.send(url, owner, method, path, body);
    }

    private static String mode(String id) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/cvms/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).path("payload").path("cvm").path("mode").asText();
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String summary(List<Double> ms) {
        double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format("median %.2f ms (p10 %.2f, p90 %.2f, min %.2f, max %.2f, n=%d)", median(ms),
                sorted[sorted.length / 10], sorted[sorted.length * 9 / 10], sorted[0], sorted[sorted.length - 1], sorted.length);
    }

    private static Process ssh(Path control, Path key, Path knownHosts, int port, String... tail) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ssh", "-q", "-S", control.toString(), "-i", key.toString(), "-p", String.valueOf(port),
                "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
                "-o", "ControlPersist=no", "-F", "/dev/null"));
        argv.addAll(List.of(tail));
        return new ProcessBuilder(argv).redirectErrorStream(true).start();
    }

    private static void sshTrue(Path control, Path key, Path knownHosts, int port) throws Exception {
        Process ssh = ssh(control, key, knownHosts, port, "-o", "ControlMaster=no", OpenSshServer.user() + "@127.0.0.1", "true");
        byte[] out = ssh.getInputStream().readAllBytes();
        if (ssh.waitFor() != 0) {
            throw new IllegalStateException("ssh failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int served = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        Path work = Files.createTempDirectory("duet-command-bench");
        owner = Ed25519KeyPair.generate();
        Process master = null;
        try (OpenSshServer sshd = OpenSshServer.start(work.resolve("sshd"));
                Controller controller = Controller.open(ControllerConfig.defaults(work.resolve("data"), List.of(owner.publicKey())));
                ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0);
                SshConnector connector = new SshConnector(Duration.ofSeconds(10))) {
            url = "http://127.0.0.1:" + server.port();
            String adopt = JSON.createObjectNode().put("provider", "ssh").put("name", "bench")
                    .set("ssh", JSON.createObjectNode().put("host", "127.0.0.1").put("port", sshd.port())
                            .put("user", OpenSshServer.user()).put("host_key", sshd.hostPublicKey())
                            .put("bootstrap_private_key", sshd.bootstrapPrivateKey())
                            .put("authorized_keys_path", sshd.authorizedKeys().toString())).toString();
            String id = owner("POST", "/v1/cvms", adopt).path("id").asText();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (mode(id).equals("provisioning") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (!mode(id).equals("in-update")) {
                throw new IllegalStateException(id + " is " + mode(id));
            }

            // A key of the benchmark's own, added through the controller (adoption left only the controller's).
            var benchKey = SshKeys.generateEd25519();
            Path key = work.resolve("bench_ed25519");
            Files.writeString(key, SshKeys.openSshPrivateKey(benchKey, "bench"));
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            owner("POST", "/v1/cvms/" + id + "/commands", JSON.createObjectNode().set("argv", JSON.valueToTree(List.of("sh", "-c",
                    "echo '" + SshKeys.authorizedKeyLine(benchKey.getPublic(), "bench") + "' >> " + sshd.authorizedKeys()))).toString());
            Path knownHosts = work.resolve("known_hosts");
            Files.writeString(knownHosts, "[127.0.0.1]:" + sshd.port() + " " + sshd.hostPublicKey() + "\n");
            Path control = work.resolve("control");
            master = ssh(control, key, knownHosts, sshd.port(), "-M", "-N", OpenSshServer.user() + "@127.0.0.1");
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (ssh(control, key, knownHosts, sshd.port(), "-O", "check", "x").waitFor() != 0) {
                if (System.nanoTime() > deadline || !master.isAlive()) {
                    throw new IllegalStateException("the ControlMaster did not start: " + new String(master.getInputStream().readAllBytes()));
                }
                Thread.sleep(50);
            }
            SshConnection direct = connector.connect(new SshEndpoint("127.0.0.1", sshd.port(), OpenSshServer.user()),
                    HostKeyPin.parse(sshd.hostPublicKey()), benchKey);

            System.out.println(Runtime.getRuntime().availableProcessors() + " cpus, java " + System.getProperty("java.version") + ", "
                    + new String(new ProcessBuilder("ssh", "-V").redirectErrorStream(true).start().getInputStream().readAllBytes(),
                            StandardCharsets.UTF_8).strip() + "; " + rounds + " rounds after " + warmup + " warm-up rounds; the controller had served " + served
                    + " commands before them");
            String run = JSON.createObjectNode().set("argv", JSON.valueToTree(List.of("true"))).toString();
            // A controller is a server that runs for days: the JIT compiles its request path after a few thousand requests,
            // which the few warm-up rounds below do not give it (a cold controller's figure is measured with served = 0).
            for (int i = 0; i < served; i++) {
                owner("POST", "/v1/cvms/" + id + "/commands", run);
            }
            RemoteCommand command = new RemoteCommand(List.of("true"), Duration.ofSeconds(60), 1 << 20);
            String[] names = {"through the controller (signed POST, two durable entries, reused session)",
                "ssh over a ControlMaster session (baseline)", "the controller's SSH exec alone (SshConnection.run)"};
            // [method][0]: the first run of a method in a round, after the others' runs; [method][1]: the same method again at
            // once, as a client running commands in a loop does.
            List<List<List<Double>>> times = List.of(List.of(new ArrayList<>(), new ArrayList<>()),
                    List.of(new ArrayList<>(), new ArrayList<>()), List.of(new ArrayList<>(), new ArrayList<>()));
            for (int i = 0; i < warmup + rounds; i++) {
                // The order rotates each round, so that none of the three always follows the same one.
                for (int k = 0; k < 3; k++) {
                    int which = (i + k) % 3;
                    for (int again = 0; again < 2; again++) {
                        long start = System.nanoTime();
                        if (which == 0) {
                            JsonNode result = owner("POST", "/v1/cvms/" + id + "/commands", run);
                            if (result.path("exit_status").asInt(-1) != 0) {
                                throw new IllegalStateException("true failed: " + result);
                            }
                        } else if (which == 1) {
                            sshTrue(control, key, knownHosts, sshd.port());
                        } else if (direct.run(command).exitStatus().orElse(-1) != 0) {
                            throw new IllegalStateException("true failed");
                        }
                        if (i >= warmup) {
                            times.get(which).get(again).add((System.nanoTime() - start) / 1e6);
                        }
                    }
                }
            }
            for (int again = 0; again < 2; again++) {
                System.out.println(again == 0 ? "-- each method's first run in a round (after the other methods' runs):"
                        : "-- the same method again at once (back to back, as a loop of commands runs):");
                for (int m = 0; m < 3; m++) {
                    System.out.printf("command 'true' %-75s %s%n", names[m] + ":", summary(times.get(m).get(again)));
                }
                double controllerMs = median(times.get(0).get(again));
                double sshMs = median(times.get(1).get(again));
                System.out.printf("ratio of medians controller / ssh ControlMaster: %.2f (goal <= 1.0); exec alone / ssh %.2f%n",
                        controllerMs / sshMs, median(times.get(2).get(again)) / sshMs);
            }
            direct.close();
        } finally {
            if (master != null) {
                master.destroy();
            }
        }
    }
}
