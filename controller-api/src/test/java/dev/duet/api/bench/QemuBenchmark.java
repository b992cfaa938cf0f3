package dev.duet.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.api.ControllerServer;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.QemuSupport;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.qemu.GuestImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Boot to in-update (median of 10, TCG), command round trip through the controller (HTTP, signed
 * owner request, reused SSH session) against a fresh OpenSSH {@code ssh} to the same VM, and memory
 * per VM. Run by bench/qemu-benchmark.sh; with {@code --boots-only} only the boots, which
 * bench/qemu-boot-compare.sh alternates with an older build's.
 */
public final class QemuBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String url;
    private static Ed25519KeyPair owner;

    private static JsonNode owner(String method, String path, String body) throws Exception {
        return BenchOwner.send(url, owner, method, path, body);
    }

    private static JsonNode cvm(String id) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/cvms")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode cvm : JSON.readTree(response.body()).path("cvms")) {
            if (cvm.path("id").asText().equals(id)) {
                return cvm;
            }
        }
        throw new IllegalStateException("no " + id);
    }

    /**
     * The milliseconds between a CVM's first log entry (the create) and its {@code cvm.attestation}
     * (boot, ready marker, key exchange, evidence and its verification), and from there to
     * {@code cvm.adopted} (login over the same session, durable write), from the entries' own times.
     */
    private static double[] phases(String id) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/cvms/" + id + "/entries")).build(),
                HttpResponse.BodyHandlers.ofString());
        java.util.Map<String, java.time.Instant> times = new java.util.HashMap<>();
        for (JsonNode entry : JSON.readTree(response.body()).path("entries")) {
            times.putIfAbsent(entry.path("kind").asText(), java.time.Instant.parse(entry.path("time").asText()));
        }
        java.time.Instant created = times.get("cvm.adoption-started");
        java.time.Instant attested = times.get("cvm.attestation");
        return new double[] {java.time.Duration.between(created, attested).toMillis(),
                java.time.Duration.between(attested, times.get("cvm.adopted")).toMillis()};
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static String summary(List<Double> ms) {
        double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format("median %.1f ms (min %.1f, max %.1f, n=%d)", median(ms), sorted[0], sorted[sorted.length - 1],
                sorted.length);
    }

    private static String field(String proc, String name) {
        return proc.lines().filter(line -> line.startsWith(name + ":")).findFirst().orElse(name + ": ?")
                .substring(name.length() + 1).strip();
    }

    private static String load() throws java.io.IOException {
        return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
    }

    public static void main(String[] args) throws Exception {
        boolean bootsOnly = Arrays.asList(args).contains("--boots-only");
        Path work = Files.createTempDirectory("duet-qemu-bench");
        owner = Ed25519KeyPair.generate();
        QemuSupport qemu = QemuSupport.start(work.resolve("data"), GuestImage.defaultDirectory(), Optional.of("tcg"));
        try (Controller controller = Controller.open(ControllerConfig.defaults(work.resolve("data"), List.of(owner.publicKey())),
                dir -> FileSealer.openOrCreate(dir.sealingKey()), Optional.of(qemu));
                ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0)) {
            url = "http://127.0.0.1:" + server.port();
            System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
                    + " cpus, accelerator " + qemu.provider().accelerator() + ", image " + qemu.provider().image().version());

            String loadBefore = load();
            List<Double> boots = new ArrayList<>();
            List<Double> toAttested = new ArrayList<>();
            List<Double> toAdopted = new ArrayList<>();
            String kept = null;
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                String id = owner("POST", "/v1/cvms", "{\"provider\":\"qemu\",\"name\":\"bench-" + i + "\"}").path("id").asText();
                String mode;
                do {
                    Thread.sleep(10);
                    mode = cvm(id).path("mode").asText();
                } while (mode.equals("provisioning"));
                boots.add((System.nanoTime() - start) / 1e6);
                if (!mode.equals("in-update")) {
                    throw new IllegalStateException(id + " ended " + mode + ": " + cvm(id));
                }
                double[] phases = phases(id);
                toAttested.add(phases[0]);
                toAdopted.add(phases[1]);
                if (i < 9) {
                    owner("DELETE", "/v1/cvms/" + id, "");
                } else {
                    kept = id;
                }
            }
            System.out.println("boot to in-update (create request to in-update, TCG): " + summary(boots) + "; load average "
                    + loadBefore + " before, " + load() + " after");
            System.out.println("  of which, by the log entries' times: create to cvm.attestation " + summary(toAttested)
                    + "; cvm.attestation to cvm.adopted " + summary(toAdopted));
            if (bootsOnly) {
                return;
            }

            Path key = work.resolve("bench_ed25519");
            new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).start().waitFor();
            String pub = Files.readString(Path.of(key + ".pub")).strip();
            owner("POST", "/v1/cvms/" + kept + "/commands", JSON.createObjectNode().set("argv", JSON.valueToTree(List.of("sh", "-c",
                    "echo '" + pub + "' >> /root/.ssh/authorized_keys"))).toString());
            JsonNode listed = cvm(kept);
            String address = listed.path("address").asText();
            String port = address.substring(address.lastIndexOf(':') + 1);
            Path knownHosts = work.resolve("known_hosts");
            Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + listed.path("host_key").asText() + "\n");

            String run = JSON.createObjectNode().set("argv", JSON.valueToTree(List.of("true"))).toString();
            List<Double> controllerRtt = new ArrayList<>();
            List<Double> sshRtt = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                long start = System.nanoTime();
                owner("POST", "/v1/cvms/" + kept + "/commands", run);
                double controllerMs = (System.nanoTime() - start) / 1e6;
                start = System.nanoTime();
                Process ssh = new ProcessBuilder("ssh", "-q", "-i", key.toString(), "-p", port, "-o", "BatchMode=yes",
                        "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "ControlMaster=no",
                        "root@127.0.0.1", "true").redirectErrorStream(true).start();
                ssh.getInputStream().readAllBytes();
                if (ssh.waitFor() != 0) {
                    throw new IllegalStateException("ssh failed");
                }
                double sshMs = (System.nanoTime() - start) / 1e6;
                if (i >= 10) {
                    controllerRtt.add(controllerMs);
                    sshRtt.add(sshMs);
                }
            }
            System.out.println("command 'true' through the controller (signed HTTP request, logged, reused session): "
                    + summary(controllerRtt));
            System.out.println("command 'true' with a fresh OpenSSH ssh connection to the same VM: " + summary(sshRtt));
            System.out.printf("ratio controller / fresh ssh: %.2f (goal <= 0.5)%n", median(controllerRtt) / median(sshRtt));

            String name = "-name duet-" + kept + " ";
            long pid = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(name)).orElse(false))
                    .findFirst().orElseThrow().pid();
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            String rollup = Files.readString(Path.of("/proc/" + pid + "/smaps_rollup"));
            System.out.println("memory of one idle VM's QEMU process (-m 128M): " + field(status, "VmRSS") + " RSS, "
                    + field(rollup, "Pss") + " PSS");
        } finally {
            qemu.close();
        }
    }
}
