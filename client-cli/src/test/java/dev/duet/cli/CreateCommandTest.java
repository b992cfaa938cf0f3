package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet create}'s request, against a stand-in on loopback that records it and answers as the
 * controller does (202, the CVM provisioning). The controller's side of {@code provider: azure} is
 * tested in controller-core (AzureProviderTest, against a stand-in of Azure Resource Manager).
 */
class CreateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private String key;

    @BeforeEach
    void standIn() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StandInCheckpoint.serve(server);
        server.createContext("/v1/cvms", exchange -> {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            bodies.add(body);
            byte[] answer = JSON.writeValueAsBytes(JSON.createObjectNode().put("id", "cvm-00000000000000bb")
                    .put("name", body.path("name").asText()).put("mode", "provisioning"));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(202, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        key = dir.resolve("owner.key").toString();
        assertThat(CliInputTest.run("keygen", "--out", key).exit()).isZero();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private CliInputTest.Run create(String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("create", "--controller", "http://127.0.0.1:" + server.getAddress().getPort(),
                "--key", key, "--name", "web-1"));
        args.addAll(List.of(options));
        return CliInputTest.run(args.toArray(String[]::new));
    }

    @Test
    void aQemuGuestByDefaultAndAnAzureConfidentialVmWithItsTeeAndSize() throws Exception {
        CliInputTest.Run qemu = create();
        assertThat(qemu.exit()).as(qemu.err()).isZero();
        assertThat(qemu.out()).startsWith("cvm-00000000000000bb provisioning");
        CliInputTest.Run azure = create("--provider", "azure", "--tee", "tdx", "--vm-size", "Standard_DC4es_v5");
        assertThat(azure.exit()).as(azure.err()).isZero();
        CliInputTest.Run azureDefaults = create("--provider", "azure");
        assertThat(azureDefaults.exit()).as(azureDefaults.err()).isZero();
        assertThat(bodies).extracting(JsonNode::toString).containsExactly(
                "{\"provider\":\"qemu\",\"name\":\"web-1\"}",
                "{\"provider\":\"azure\",\"name\":\"web-1\",\"azure\":{\"tee\":\"tdx\",\"vm_size\":\"Standard_DC4es_v5\"}}",
                "{\"provider\":\"azure\",\"name\":\"web-1\",\"azure\":{}}");
    }

    @Test
    void azureOptionsWithoutAzureOrAnUnknownProviderAreUsageErrorsAndNothingIsSent() {
        CliInputTest.assertOneLineError(create("--tee", "snp"), 2, "--tee and --vm-size are for --provider azure only");
        CliInputTest.assertOneLineError(create("--vm-size", "Standard_DC2as_v5"), 2, "--provider azure only");
        CliInputTest.Run unknown = create("--provider", "gcp");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--provider").contains("gcp");
        CliInputTest.Run badTee = create("--provider", "azure", "--tee", "sgx");
        assertThat(badTee.exit()).isEqualTo(2);
        assertThat(badTee.err()).contains("--tee");
        assertThat(bodies).isEmpty();
    }
}
