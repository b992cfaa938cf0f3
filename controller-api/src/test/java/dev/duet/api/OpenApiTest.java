package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /openapi.json} is true of the running server: every route Javalin really serves is in it
 * and nothing else is, and real answers (successes and problem documents) validate against the
 * schemas it gives for their route, method, status and content type (OpenAPI 3.1: JSON Schema
 * 2020-12).
 */
class OpenApiTest {
    private static final Set<String> METHODS = Set.of("get", "head", "post", "put", "delete", "patch", "options", "trace");

    @TempDir Path dir;

    @Test
    void everyRouteTheServerServesIsDescribedAndNothingElse() throws Exception {
        try (RunningController c = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()))) {
            TestOwner.Reply served = new TestOwner(c.port(), Ed25519KeyPair.generate()).get("/openapi.json");
            assertThat(served.status()).isEqualTo(200);
            assertThat(served.contentType()).startsWith("application/json");
            JsonNode doc = served.body();
            assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
            Set<String> real = new TreeSet<>();
            c.server.routes().forEach(r -> real.add(r.method().toLowerCase() + " " + r.path()));
            Set<String> described = new TreeSet<>();
            doc.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
                if (METHODS.contains(method)) {
                    described.add(method + " " + path.getKey());
                }
            }));
            assertThat(real).contains("get /v1/cvms/{id}", "post /v1/cvms", "get /metrics", "get /openapi.json");
            assertThat(described).isEqualTo(real);
        }
    }

    @Test
    void realAnswersValidateAgainstTheirSchemas() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController c = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(c.port(), key);
            TestOwner.Reply described = owner.get("/openapi.json");
            assertThat(described.status()).isEqualTo(200);
            Validator v = new Validator(described.body());
            String id = owner.adopt(sshd);
            v.check("get", "/healthz", owner.get("/healthz"));
            v.check("get", "/openapi.json", owner.get("/openapi.json"));
            v.check("get", "/metrics", owner.get("/metrics"));
            v.check("get", "/v1/controller/evidence", owner.get("/v1/controller/evidence"));
            v.check("get", "/v1/controller/evidence", owner.get("/v1/controller/evidence?nonce=abc-1"));
            v.check("get", "/v1/cvms", owner.get("/v1/cvms"));
            v.check("get", "/v1/cvms/{id}", owner.get("/v1/cvms/" + id));
            v.check("get", "/v1/cvms/{id}", owner.get("/v1/cvms/" + id + "?nonce=n1"));
            v.check("get", "/v1/cvms/{id}/entries", owner.get("/v1/cvms/" + id + "/entries?limit=2"));
            v.check("post", "/v1/cvms/{id}/commands", owner.signed("POST", "/v1/cvms/" + id + "/commands", "{\"argv\":[\"echo\",\"hi\"]}"));
            String file = dir.resolve("f.txt").toString();
            v.check("post", "/v1/cvms/{id}/files", owner.signed("POST", "/v1/cvms/" + id + "/files", "{\"path\":\"" + file
                    + "\",\"mode\":\"0600\",\"content\":\"aGk=\"}"));
            v.check("get", "/v1/cvms/{id}/files", owner.signed("GET", "/v1/cvms/" + id + "/files?path=" + file, null));
            v.check("get", "/v1/cvms/{id}/files", owner.signed("GET", "/v1/cvms/" + id + "/files?path=" + file + "/missing", null));
            v.check("put", "/v1/cvms/{id}/mode", owner.signed("PUT", "/v1/cvms/" + id + "/mode", "{\"mode\":\"in-service\"}"));
            v.check("put", "/v1/cvms/{id}/mode", owner.signed("PUT", "/v1/cvms/" + id + "/mode", "{\"mode\":\"in-service\"}"));
            v.check("post", "/v1/cvms/{id}/commands", owner.signed("POST", "/v1/cvms/" + id + "/commands", "{\"argv\":[\"true\"]}"));
            v.check("get", "/v1/cvms/{id}/bundle", owner.get("/v1/cvms/" + id + "/bundle"));
            v.check("get", "/v1/cvms/{id}/bundle", owner.get("/v1/cvms/" + id + "/bundle?nonce=n2&since=2"));
            v.check("get", "/v1/log/entries", owner.get("/v1/log/entries?start=0&end=3"));
            v.check("get", "/v1/log/checkpoint", owner.get("/v1/log/checkpoint"));
            v.check("get", "/v1/log/proof/inclusion", owner.get("/v1/log/proof/inclusion?index=1&size=3"));
            v.check("get", "/v1/log/proof/consistency", owner.get("/v1/log/proof/consistency?from=1&to=3"));
            v.check("get", "/v1/log/proof/inclusion", owner.get("/v1/log/proof/inclusion?index=9&size=3"));
            v.check("delete", "/v1/cvms/{id}", owner.signed("DELETE", "/v1/cvms/" + id, null));
            v.check("delete", "/v1/cvms/{id}", owner.signed("DELETE", "/v1/cvms/" + id, null));
            v.check("get", "/v1/cvms/{id}", owner.get("/v1/cvms/cvm-0123456789abcdef"));
            v.check("post", "/v1/cvms", owner.signed("POST", "/v1/cvms", "{\"provider\":\"qemu\",\"name\":\"x\",\"extra\":1}"));
            v.check("post", "/v1/cvms", owner.raw("POST", "/v1/cvms", "{}".getBytes(), "application/json", java.util.Map.of()));
            v.check("post", "/v1/cvms", owner.signed("POST", "/v1/cvms", ApiRefusalTestBodies.adopt(sshd, sshd.hostPublicKey())));
            assertThat(v.statuses).contains(200, 202, 400, 401, 404, 409);
            // The schemas are really applied: answers that differ from the real ones in one member fail.
            assertThat(v.errors("/paths/~1healthz/get/responses/200", "application/json", Json.MAPPER.readTree("{\"status\":\"down\"}")))
                    .isNotEmpty();
            JsonNode view = owner.get("/v1/cvms").body().path("cvms").get(0).deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) view).put("mode", "paused");
            assertThat(v.errors("/paths/~1v1~1cvms~1{id}/delete/responses/200", "application/json", view)).isNotEmpty();
        }
    }

    @Test
    void governedAnswersValidateAgainstTheirSchemas() throws Exception {
        Ed25519KeyPair first = Ed25519KeyPair.generate();
        Ed25519KeyPair second = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController c = RunningController.start(dir.resolve("data"), List.of(first.publicKey(), second.publicKey()),
                        config -> config.withGovernance(java.util.OptionalInt.of(2), java.time.Duration.ofMinutes(5)))) {
            TestOwner owner = new TestOwner(c.port(), first);
            TestOwner other = new TestOwner(c.port(), second);
            Validator v = new Validator(owner.get("/openapi.json").body());
            String id = owner.adopt(sshd);
            v.check("put", "/v1/cvms/{id}/mode", owner.signed("PUT", "/v1/cvms/" + id + "/mode", "{\"mode\":\"in-service\"}"));
            TestOwner.Reply waiting = owner.signed("PUT", "/v1/cvms/" + id + "/mode", "{\"mode\":\"in-update\"}");
            v.check("put", "/v1/cvms/{id}/mode", waiting);
            String request = waiting.body().path("id").asText();
            v.check("get", "/v1/approvals", owner.get("/v1/approvals"));
            v.check("get", "/v1/approvals/{id}", owner.get("/v1/approvals/" + request));
            v.check("get", "/v1/approvals/{id}", owner.get("/v1/approvals/apr-0000000000000000"));
            v.check("post", "/v1/approvals/{id}", owner.signed("POST", "/v1/approvals/" + request, "{}"));
            v.check("post", "/v1/approvals/{id}", other.signed("POST", "/v1/approvals/" + request, "{\"body_sha256\":\"" + "0".repeat(64) + "\"}"));
            v.check("post", "/v1/approvals/{id}", other.signed("POST", "/v1/approvals/" + request, "{}"));
            v.check("post", "/v1/approvals/{id}", other.signed("POST", "/v1/approvals/" + request, "{}"));
            v.check("post", "/v1/owners", owner.signed("POST", "/v1/owners", "{\"threshold\":3}"));
            TestOwner.Reply change = owner.signed("POST", "/v1/owners", "{\"threshold\":1}");
            v.check("post", "/v1/owners", change);
            v.check("post", "/v1/approvals/{id}", other.signed("POST", "/v1/approvals/" + change.body().path("id").asText(), "{}"));
            v.check("post", "/v1/owners", owner.signed("POST", "/v1/owners", "{\"threshold\":2}"));
            assertThat(v.statuses).containsExactly(200, 202, 200, 200, 404, 409, 409, 200, 409, 400, 202, 200, 200);
        }
    }

    /** Validates an answer against the schema the document gives for it; an undocumented status or content type fails. */
    private static final class Validator {
        private final JsonNode doc;
        private static final String IRI = "https://duet.invalid/openapi.json";
        private final SchemaRegistry registry;
        final List<Integer> statuses = new ArrayList<>();

        Validator(JsonNode doc) {
            this.doc = doc;
            // The document is the resource the schemas' $refs and the validated locations point into.
            this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                    b -> b.schemas(java.util.Map.of(IRI, doc.toString())));
        }

        void check(String method, String path, TestOwner.Reply reply) {
            statuses.add(reply.status());
            JsonNode responses = doc.path("paths").path(path).path(method).path("responses");
            String status = Integer.toString(reply.status());
            String key = responses.has(status) ? status : status.charAt(0) + "XX";
            JsonNode response = responses.path(key);
            assertThat(response.isMissingNode()).as(method + " " + path + " " + status + " is not documented").isFalse();
            String pointer = "/paths/" + escape(path) + "/" + method + "/responses/" + key;
            if (response.has("$ref")) {
                pointer = response.get("$ref").asText().substring(1);
                response = doc.at(pointer);
            }
            String mediaType = reply.contentType().split(";")[0].trim();
            assertThat(response.path("content").has(mediaType)).as(method + " " + path + " " + status + " answers " + mediaType
                    + ", which is not documented").isTrue();
            JsonNode body = mediaType.endsWith("json") ? reply.body() : Json.MAPPER.getNodeFactory().textNode(reply.raw());
            assertThat(body).as(method + " " + path + ": " + reply.raw()).isNotNull();
            assertThat(errors(pointer, mediaType, body)).as(method + " " + path + " " + status + ": " + abbreviate(reply.raw())).isEmpty();
        }

        List<Error> errors(String responsePointer, String mediaType, JsonNode body) {
            Schema schema = registry.getSchema(SchemaLocation.of(IRI + "#" + responsePointer + "/content/" + escape(mediaType) + "/schema"));
            return schema.validate(body);
        }

        private static String escape(String segment) {
            return segment.replace("~", "~0").replace("/", "~1");
        }

        private static String abbreviate(String raw) {
            return raw.length() > 600 ? raw.substring(0, 600) + "…" : raw;
        }
    }
}
