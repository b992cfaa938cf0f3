package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.controller.HistoryFixture;
import dev.duet.controller.OwnerId;
import dev.duet.protocol.CvmState;
import dev.duet.protocol.CvmStateVerifier;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.SignedDocument;
import dev.duet.protocol.StateVerdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CVM's signed state is a summary of constant size (duet.cvm-state/v2), served from a cache keyed
 * by the log while the log does not grow, signed per nonce when asked with one; its history comes
 * by page and verifies with it. Real controllers on real SQLite files, over loopback HTTP.
 */
class StateSummaryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static byte[] get(RunningController running, String path) throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(running.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(path + ": " + new String(response.body())).isEqualTo(200);
        return response.body();
    }

    @Test
    void theSignedStateIsTheSameSizeAtTenAndAThousandCommands(@TempDir Path dir) throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        int[] sizes = new int[2];
        int[] commands = {10, 1000};
        for (int i = 0; i < 2; i++) {
            Path data = dir.resolve("data" + i);
            String cvm = HistoryFixture.adoptedCvm(data, List.of(owner.publicKey()), commands[i], true);
            try (RunningController running = RunningController.start(data, List.of())) {
                byte[] state = get(running, "/v1/cvms/" + cvm);
                JsonNode payload = JSON.readTree(state).path("payload");
                assertThat(payload.path("format").asText()).isEqualTo(CvmState.FORMAT_V2);
                assertThat(payload.path("cvm_log").path("size").asLong()).isEqualTo(2 + 2L * commands[i] + 1);
                sizes[i] = state.length;
            }
        }
        // Digits of counts, sequence numbers and times, and a proof path of a few more hashes at the larger log.
        assertThat(sizes[1]).isBetween(sizes[0] - 16, sizes[0] + 16 + 5 * 67);
    }

    @Test
    void aReadWithoutNonceIsServedAgainUntilTheLogGrowsAndANonceGetsItsOwnSignature(@TempDir Path dir) throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        String cvm = HistoryFixture.adoptedCvm(data, List.of(owner.publicKey()), 20, false);
        try (RunningController running = RunningController.start(data, List.of())) {
            byte[] first = get(running, "/v1/cvms/" + cvm);
            byte[] again = get(running, "/v1/cvms/" + cvm);
            assertThat(again).isEqualTo(first);

            running.controller.setMode(new OwnerId(owner.publicKey().keyId()), cvm, "in-service");
            byte[] grown = get(running, "/v1/cvms/" + cvm);
            assertThat(grown).isNotEqualTo(first);
            JsonNode payload = JSON.readTree(grown).path("payload");
            assertThat(payload.path("cvm").path("mode").asText()).isEqualTo("in-service");
            assertThat(payload.path("cvm").path("mode_since").path("seq").asLong()).isEqualTo(payload.path("log").path("size").asLong() - 1);

            JsonNode a = JSON.readTree(get(running, "/v1/cvms/" + cvm + "?nonce=a"));
            JsonNode b = JSON.readTree(get(running, "/v1/cvms/" + cvm + "?nonce=b"));
            assertThat(a.path("payload").path("nonce").asText()).isEqualTo("a");
            assertThat(b.path("payload").path("nonce").asText()).isEqualTo("b");
            assertThat(a.path("signature").path("value")).isNotEqualTo(b.path("signature").path("value"));
            assertThat(SignedDocument.verify(a, running.controller.signingKey()).payload()).isPresent();
            assertThat(SignedDocument.verify(b, running.controller.signingKey()).payload()).isPresent();
            assertThat(get(running, "/v1/cvms/" + cvm)).as("a nonce read leaves the cached summary alone").isEqualTo(grown);
        }
    }

    @Test
    void theHistoryComesByPageAndVerifiesWithTheSummary(@TempDir Path dir) throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        String cvm = HistoryFixture.adoptedCvm(data, List.of(owner.publicKey()), 700, true);
        try (RunningController running = RunningController.start(data, List.of())) {
            JsonNode state = JSON.readTree(get(running, "/v1/cvms/" + cvm + "?nonce=n1"));
            List<JsonNode> history = new ArrayList<>();
            JsonNode next = JSON.getNodeFactory().numberNode(0L);
            int pages = 0;
            while (!next.isNull()) {
                JsonNode page = JSON.readTree(get(running, "/v1/cvms/" + cvm + "/entries?start=" + next.asLong()));
                page.path("entries").forEach(history::add);
                next = page.path("next");
                pages++;
            }
            assertThat(pages).isEqualTo(2);
            assertThat(history).hasSize(1403);
            StateVerdict verdict = CvmStateVerifier.verify(state, history, running.controller.signingKey(),
                    new CvmStateVerifier.Expectations(Optional.of(cvm), Optional.of("n1")));
            assertThat(verdict.failures()).isEmpty();
            assertThat(verdict.facts().orElseThrow().commandsRun()).isEqualTo(700);
            assertThat(CvmStateVerifier.verify(state, history.subList(0, 1402), running.controller.signingKey(),
                    new CvmStateVerifier.Expectations(Optional.of(cvm), Optional.of("n1"))).trusted()).as("the last entry left out").isFalse();
            StateVerdict alone = CvmStateVerifier.verify(Files.readAllBytes(Files.write(dir.resolve("s.json"), JSON.writeValueAsBytes(state))),
                    running.controller.signingKey(), CvmStateVerifier.Expectations.none());
            assertThat(alone.trusted()).isFalse();
            assertThat(alone.failures()).extracting(c -> c.id()).containsExactly("history");
        }
    }
}
