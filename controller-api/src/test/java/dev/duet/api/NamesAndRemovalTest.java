package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CVM names over real HTTP, with machines adopted from Debian's sshd on loopback: a name is unique in
 * the list and stands for the id in every CVM route, and the answers name the real id; a stopped CVM
 * removed from the list ({@code DELETE /v1/cvms/{id}/listing}, a {@code cvm.removed} entry) leaves
 * the list and frees its name, while its state, entries and bundle still answer by id and verify.
 */
class NamesAndRemovalTest {
    @TempDir Path dir;

    static String create(String name, OpenSshServer sshd) throws Exception {
        return TestOwner.JSON.createObjectNode().put("provider", "ssh").put("name", name)
                .set("ssh", TestOwner.JSON.createObjectNode().put("host", "127.0.0.1").put("port", sshd.port())
                        .put("user", OpenSshServer.user()).put("host_key", sshd.hostPublicKey())
                        .put("bootstrap_private_key", sshd.bootstrapPrivateKey())
                        .put("authorized_keys_path", sshd.authorizedKeys().toString())).toString();
    }

    static String awaitAdopted(TestOwner owner, String cvm) throws Exception {
        String mode;
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        do {
            Thread.sleep(50);
            mode = owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm").path("mode").asText();
        } while ("provisioning".equals(mode) && System.nanoTime() < deadline);
        return mode;
    }

    static List<String> listedNames(TestOwner owner) throws Exception {
        List<String> names = new ArrayList<>();
        owner.get("/v1/cvms").body().path("cvms").forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    @Test
    void namesStandForIdsAndRemovedCvmsLeaveTheListButKeepTheirHistory() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer first = OpenSshServer.start(dir.resolve("sshd1"));
                OpenSshServer second = OpenSshServer.start(dir.resolve("sshd2"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            TestOwner.Reply created = owner.signed("POST", "/v1/cvms", create("web", first));
            assertThat(created.status()).as(created.raw()).isEqualTo(202);
            String id = created.body().path("id").asText();
            assertThat(awaitAdopted(owner, "web")).isEqualTo("in-update");

            TestOwner.Reply twin = owner.signed("POST", "/v1/cvms", create("web", second));
            assertThat(twin.status()).as(twin.raw()).isEqualTo(409);
            assertThat(twin.body().path("detail").asText()).contains("named web is already in the list");
            TestOwner.Reply idLike = owner.signed("POST", "/v1/cvms", create("cvm-0123456789abcdef", second));
            assertThat(idLike.status()).as(idLike.raw()).isEqualTo(400);
            assertThat(idLike.body().path("detail").asText()).contains("form of a CVM id");
            TestOwner.Reply upperIdLike = owner.signed("POST", "/v1/cvms", create("CVM-0123456789ABCDEF", second));
            assertThat(upperIdLike.status()).as("in any case, as the CLI: " + upperIdLike.raw()).isEqualTo(400);

            JsonNode state = owner.get("/v1/cvms/web").body().path("payload").path("cvm");
            assertThat(state.path("id").asText()).isEqualTo(id);
            assertThat(state.path("name").asText()).isEqualTo("web");
            assertThat(owner.get("/v1/cvms/web/entries").body().path("cvm").asText()).isEqualTo(id);
            JsonNode bundle = owner.get("/v1/cvms/web/bundle").body();
            assertThat(bundle.path("payload").path("state").path("payload").path("cvm").path("name").asText())
                    .as(bundle.toString()).isEqualTo("web");
            TestOwner.Reply ran = owner.signed("POST", "/v1/cvms/web/commands", "{\"argv\":[\"true\"]}");
            assertThat(ran.status()).as(ran.raw()).isEqualTo(200);
            TestOwner.Reply inService = owner.signed("PUT", "/v1/cvms/web/mode", "{\"mode\":\"in-service\"}");
            assertThat(inService.status()).as(inService.raw()).isEqualTo(200);
            assertThat(inService.body().path("cvm").path("id").asText()).isEqualTo(id);

            TestOwner.Reply tooEarly = owner.signed("DELETE", "/v1/cvms/web/listing", null);
            assertThat(tooEarly.status()).as(tooEarly.raw()).isEqualTo(409);
            assertThat(tooEarly.body().path("detail").asText()).contains("only a stopped or failed CVM");
            assertThat(owner.signed("DELETE", "/v1/cvms/web", null).status()).isEqualTo(200);

            TestOwner.Reply removed = owner.signed("DELETE", "/v1/cvms/web/listing", null);
            assertThat(removed.status()).as(removed.raw()).isEqualTo(200);
            assertThat(removed.body().path("id").asText()).isEqualTo(id);
            assertThat(removed.body().path("mode").asText()).isEqualTo("stopped");
            assertThat(listedNames(owner)).isEmpty();
            assertThat(owner.get("/v1/cvms/web").status()).isEqualTo(404);
            assertThat(owner.get("/v1/cvms/web").body().path("detail").asText()).contains("answers by its id only");
            assertThat(owner.signed("DELETE", "/v1/cvms/" + id + "/listing", null).status()).isEqualTo(409);

            JsonNode entries = owner.get("/v1/cvms/" + id + "/entries").body().path("entries");
            JsonNode removal = entries.get(entries.size() - 2);
            assertThat(removal.path("kind").asText()).isEqualTo("cvm.removed");
            assertThat(removal.path("payload").path("from").asText()).isEqualTo("stopped");
            assertThat(entries.get(entries.size() - 1).path("kind").asText()).as("the second removal, refused and logged").isEqualTo("request.refused");
            assertThat(owner.get("/v1/cvms/" + id).body().path("payload").path("cvm").path("mode").asText()).isEqualTo("stopped");
            assertThat(owner.get("/v1/cvms/" + id + "/bundle").status()).isEqualTo(200);
            EndToEndTest.CliRun verified = cli("verify-state", "--controller", running.url(), "--allow-no-tee", "--state-dir",
                    dir.resolve("state").toString(), id);
            assertThat(verified.exit()).as(verified.out() + verified.err()).isZero();

            TestOwner.Reply again = owner.signed("POST", "/v1/cvms", create("web", second));
            assertThat(again.status()).as("the name is free again: " + again.raw()).isEqualTo(202);
            String newId = again.body().path("id").asText();
            assertThat(newId).isNotEqualTo(id);
            assertThat(awaitAdopted(owner, "web")).isEqualTo("in-update");
            assertThat(owner.get("/v1/cvms/web").body().path("payload").path("cvm").path("id").asText()).isEqualTo(newId);
            assertThat(listedNames(owner)).containsExactly("web");
        }
    }
}
