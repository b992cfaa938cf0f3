package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.protocol.CvmStateVerifier;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.StateVerdict;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command policy against a real controller over HTTP and Debian's real sshd (issue 12): each
 * command allowed or refused by the rule the policy's decision names, and logged with it; read-only
 * commands in-service; a policy change in-service refused when it widens and accepted when it
 * narrows; the commands run on leaving service, on the machine, before any owner's command; the
 * default copied into each new CVM; and the signed state that shows the policy and verifies.
 */
class PolicyApiTest {
    @TempDir Path dir;

    private static String policy(String rules, String leaving) {
        return "{\"rules\":[" + rules + "],\"max_upload_bytes\":1048576,\"log_content_below_bytes\":4096,\"on_leaving_service\":["
                + leaving + "]}";
    }

    private static final String READ_ONLY = """
            {"id":"status","effect":"allow","modes":["in-service"],"exec":["cat","*"]},
            {"id":"no-rm","effect":"deny","modes":["in-update","in-service"],"exec":["rm","**"]}""";

    private static String command(String... argv) {
        StringBuilder b = new StringBuilder("{\"argv\":[");
        for (int i = 0; i < argv.length; i++) {
            b.append(i == 0 ? "" : ",").append(TestOwner.JSON.valueToTree(argv[i]).toString());
        }
        return b.append("]}").toString();
    }

    private static List<JsonNode> entries(TestOwner owner, String cvm) throws Exception {
        return new ArrayList<>(iterable(owner.get("/v1/cvms/" + cvm + "/entries").body().path("entries")));
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static JsonNode last(List<JsonNode> entries, String kind) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).path("kind").asText().equals(kind)) {
                return entries.get(i);
            }
        }
        throw new AssertionError("no " + kind + " entry");
    }

    private StateVerdict verify(RunningController running, TestOwner owner, String cvm) throws Exception {
        JsonNode state = owner.get("/v1/cvms/" + cvm + "?nonce=p1").body();
        return CvmStateVerifier.verify(state, entries(owner, cvm), running.controller.signingKey(),
                new CvmStateVerifier.Expectations(Optional.of(cvm), Optional.of("p1")));
    }

    @Test
    void eachCommandIsDecidedAndLoggedByItsRuleInEitherMode() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path marker = Files.writeString(dir.resolve("marker"), "kept");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            JsonNode first = entries(owner, cvm).get(1);
            assertThat(first.path("kind").asText()).isEqualTo("policy.set");
            assertThat(first.path("payload").path("version").asLong()).isEqualTo(1);
            assertThat(first.path("payload").path("origin").asText()).isEqualTo("default");

            TestOwner.Reply set = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", policy(READ_ONLY, ""));
            assertThat(set.status()).as(set.raw()).isEqualTo(200);
            assertThat(set.body().path("version").asLong()).isEqualTo(2);
            JsonNode shown = owner.get("/v1/cvms/" + cvm + "/policy").body();
            assertThat(shown.path("sha256").asText()).isEqualTo(set.body().path("sha256").asText());
            assertThat(shown.path("policy").path("rules").get(0).path("id").asText()).isEqualTo("status");
            assertThat(shown.path("seq").asLong()).isEqualTo(last(entries(owner, cvm), "policy.set").path("seq").asLong());

            TestOwner.Reply touched = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("touch", dir.resolve("made").toString()));
            assertThat(touched.status()).as(touched.raw()).isEqualTo(200);
            assertThat(last(entries(owner, cvm), "command.started").path("payload").path("rule").asText()).isEqualTo("default:in-update");

            TestOwner.Reply rm = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("rm", "-f", marker.toString()));
            assertThat(rm.status()).as(rm.raw()).isEqualTo(403);
            assertThat(rm.body().path("type").asText()).endsWith("policy-denies");
            assertThat(rm.body().path("detail").asText()).contains("rule no-rm denies it");
            assertThat(marker).exists();
            JsonNode refused = last(entries(owner, cvm), "request.refused").path("payload");
            assertThat(refused.path("rule").asText()).isEqualTo("no-rm");
            assertThat(refused.path("refusal").asText()).isEqualTo("policy-denies");
            assertThat(iterable(refused.path("argv"))).extracting(JsonNode::asText).containsExactly("rm", "-f", marker.toString());

            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);
            TestOwner.Reply cat = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("cat", marker.toString()));
            assertThat(cat.status()).as(cat.raw()).isEqualTo(200);
            assertThat(cat.body().path("stdout").asText()).isEqualTo("a2VwdA==");
            assertThat(last(entries(owner, cvm), "command.started").path("payload").path("rule").asText()).isEqualTo("status");

            TestOwner.Reply write = owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("touch", dir.resolve("later").toString()));
            assertThat(write.status()).as(write.raw()).isEqualTo(409);
            assertThat(write.body().path("type").asText()).endsWith("mode-forbids");
            assertThat(dir.resolve("later")).doesNotExist();
            assertThat(last(entries(owner, cvm), "request.refused").path("payload").path("rule").asText()).isEqualTo("default:in-service");

            StateVerdict verdict = verify(running, owner, cvm);
            assertThat(verdict.failures()).isEmpty();
            assertThat(verdict.facts().orElseThrow().commandsInService()).isEqualTo(1);
            assertThat(verdict.facts().orElseThrow().policy().version()).isEqualTo(2);
            JsonNode summary = owner.get("/v1/cvms/" + cvm).body().path("payload").path("cvm");
            assertThat(summary.path("policy").path("version").asLong()).isEqualTo(2);
            assertThat(summary.path("policy").path("sha256").asText()).isEqualTo(set.body().path("sha256").asText());
            assertThat(summary.path("commands_in_service").asLong()).isEqualTo(1);
        }
    }

    @Test
    void inServiceAPolicyChangeThatWidensIsRefusedAndOneThatNarrowsIsAccepted() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", policy(READ_ONLY, "")).status()).isEqualTo(200);
            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);

            String wider = policy(READ_ONLY + ",{\"id\":\"shell\",\"effect\":\"allow\",\"modes\":[\"in-service\"],\"exec\":[\"sh\",\"**\"]}", "");
            TestOwner.Reply widened = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", wider);
            assertThat(widened.status()).as(widened.raw()).isEqualTo(409);
            assertThat(widened.body().path("detail").asText()).contains("it adds or changes allow rule shell");
            JsonNode refused = last(entries(owner, cvm), "request.refused").path("payload");
            assertThat(refused.path("refusal").asText()).isEqualTo("conflict");
            assertThat(refused.path("path").asText()).isEqualTo("/v1/cvms/" + cvm + "/policy");
            assertThat(owner.get("/v1/cvms/" + cvm + "/policy").body().path("version").asLong()).isEqualTo(2);

            String narrower = policy("{\"id\":\"no-rm\",\"effect\":\"deny\",\"modes\":[\"in-update\",\"in-service\"],\"exec\":[\"rm\",\"**\"]}", "");
            TestOwner.Reply narrowed = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", narrower);
            assertThat(narrowed.status()).as(narrowed.raw()).isEqualTo(200);
            assertThat(narrowed.body().path("version").asLong()).isEqualTo(3);
            assertThat(owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("cat", "/etc/hostname")).status())
                    .as("the narrowed policy no longer allows it").isEqualTo(409);

            TestOwner.Reply malformed = owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", "{\"rules\":[]}");
            assertThat(malformed.status()).isEqualTo(400);
            assertThat(malformed.body().path("detail").asText()).contains("max_upload_bytes");
            assertThat(verify(running, owner, cvm).failures()).isEmpty();
        }
    }

    @Test
    void leavingServiceCommandsRunOnTheSwitchBeforeAnyOwnersCommand() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path secret = Files.writeString(dir.resolve("secret"), "s3cr3t");
        Path gone = dir.resolve("never-made");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String wipe = policy(READ_ONLY, "[\"rm\",\"-f\",\"" + secret + "\"],[\"sh\",\"-c\",\"exit 3\"],[\"ls\",\"" + gone + "\"]");
            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", wipe).status()).isEqualTo(200);
            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-service\"}").status()).isEqualTo(200);
            assertThat(secret).exists();

            TestOwner.Reply back = owner.signed("PUT", "/v1/cvms/" + cvm + "/mode", "{\"mode\":\"in-update\"}");
            assertThat(back.status()).as(back.raw()).isEqualTo(200);
            assertThat(secret).as("wiped on leaving service").doesNotExist();
            JsonNode leaving = back.body().path("leaving_service");
            assertThat(leaving).hasSize(3);
            assertThat(leaving.get(0).path("exit_status").asInt()).isZero();
            assertThat(leaving.get(1).path("exit_status").asInt()).as("a failing one does not stop the next").isEqualTo(3);
            assertThat(leaving.get(2).path("exit_status").asInt()).isNotZero();

            List<JsonNode> history = entries(owner, cvm);
            int switched = history.indexOf(last(history, "mode.changed"));
            for (int i = 0; i < 3; i++) {
                JsonNode started = history.get(switched + 1 + 2 * i);
                assertThat(started.path("kind").asText()).isEqualTo("command.started");
                assertThat(started.path("actor").asText()).isEqualTo("controller");
                assertThat(started.path("payload").path("rule").asText()).isEqualTo("on-leaving-service:" + i);
            }
            assertThat(owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("true")).status()).isEqualTo(200);
            assertThat(verify(running, owner, cvm).failures()).isEmpty();
        }
    }

    /**
     * Fails on the code before, which took the policy and logged the command as failed at each switch to in-update; and a
     * path pattern no request can match (a deny rule that denies nothing) is refused the same way.
     */
    @Test
    void aLeavingServiceCommandThatCannotBeSentOrADeadPathPatternIsRefusedWithThePolicy() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            String cvm = owner.adopt(sshd);
            String unsendable = policy(READ_ONLY, "[\"true\"],[\"echo\",\"" + "a".repeat(9000) + "\"]");
            for (String path : List.of("/v1/cvms/" + cvm + "/policy", "/v1/policy")) {
                TestOwner.Reply refused = owner.signed("PUT", path, unsendable);
                assertThat(refused.status()).as(refused.raw()).isEqualTo(400);
                assertThat(refused.body().path("detail").asText()).startsWith("policy.on_leaving_service[1] cannot be sent: the command line is")
                        .contains("at most 8192 bytes");
            }
            String deadDeny = policy(READ_ONLY + ",{\"id\":\"no-shadow\",\"effect\":\"deny\",\"modes\":[\"in-service\"],"
                    + "\"read\":\"/etc/../etc/shadow\"}", "");
            for (String path : List.of("/v1/cvms/" + cvm + "/policy", "/v1/policy")) {
                TestOwner.Reply refused = owner.signed("PUT", path, deadDeny);
                assertThat(refused.status()).as(refused.raw()).isEqualTo(400);
                assertThat(refused.body().path("detail").asText()).startsWith("policy: rule no-shadow: the path pattern /etc/../etc/shadow");
            }
            assertThat(owner.get("/v1/cvms/" + cvm + "/policy").body().path("version").asLong()).isEqualTo(1);
            assertThat(owner.get("/v1/policy").body().path("version").asLong()).isZero();
            String sendable = policy(READ_ONLY, "[\"true\"],[\"echo\",\"" + "a".repeat(8000) + "\"]");
            assertThat(owner.signed("PUT", "/v1/cvms/" + cvm + "/policy", sendable).status()).isEqualTo(200);
        }
    }

    @Test
    void theDefaultPolicyIsCopiedIntoEachNewCvm() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            TestOwner owner = new TestOwner(running.port(), key);
            JsonNode builtIn = owner.get("/v1/policy").body();
            assertThat(builtIn.path("version").asLong()).isZero();
            assertThat(builtIn.path("seq").isNull()).isTrue();

            TestOwner.Reply set = owner.signed("PUT", "/v1/policy", policy(READ_ONLY, ""));
            assertThat(set.status()).as(set.raw()).isEqualTo(200);
            assertThat(set.body().path("version").asLong()).isEqualTo(1);
            String cvm = owner.adopt(sshd);
            JsonNode copied = owner.get("/v1/cvms/" + cvm + "/policy").body();
            assertThat(copied.path("version").asLong()).isEqualTo(1);
            assertThat(copied.path("sha256").asText()).isEqualTo(set.body().path("sha256").asText());
            JsonNode logged = running.controller.logEntries(0, Optional.empty()).path("entries").get((int) set.body().path("seq").asLong());
            assertThat(logged.path("kind").asText()).isEqualTo("policy.default-set");
            assertThat(logged.has("subject")).isFalse();
            assertThat(owner.signed("POST", "/v1/cvms/" + cvm + "/commands", command("rm", "-rf", "/nonexistent")).status()).isEqualTo(403);
        }
    }

    @Test
    void theCliShowsAndSetsPoliciesAndSaysHowLeavingServiceCommandsEnded() throws Exception {
        Path keyFile = dir.resolve("owner.key");
        assertThat(EndToEndTest.cli("keygen", "--out", keyFile.toString()).exit()).isZero();
        Ed25519KeyPair key = Ed25519KeyPair.parsePem(Files.readString(keyFile));
        Path file = Files.writeString(dir.resolve("policy.json"), policy(READ_ONLY, "[\"true\"]"));
        Path broken = Files.writeString(dir.resolve("broken.json"), policy(READ_ONLY.replace("\"deny\"", "\"perhaps\""), ""));
        Path dead = Files.writeString(dir.resolve("dead.json"), policy(READ_ONLY.replace("\"exec\":[\"rm\",\"**\"]", "\"read\":\"/etc//shadow\""),
                ""));
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(key.publicKey()))) {
            String[] owner = {"--controller", running.url(), "--key", keyFile.toString()};
            String cvm = new TestOwner(running.port(), key).adopt(sshd);

            EndToEndTest.CliRun shown = EndToEndTest.cli("policy", "default", "show", "--controller", running.url());
            assertThat(shown.exit()).as(shown.err()).isZero();
            assertThat(shown.out()).startsWith("default policy version 0 (the built-in default) sha256 ");
            EndToEndTest.CliRun set = EndToEndTest.cli(concat(new String[] {"policy", "set", cvm, file.toString()}, owner));
            assertThat(set.exit()).as(set.err()).isZero();
            assertThat(set.out()).startsWith(cvm + " policy version 2 sha256 ").contains("  status: allow in in-service: exec cat *")
                    .contains("  no-rm: deny in in-update, in-service: exec rm **").contains("  on leaving service 0: true");
            assertThat(EndToEndTest.cli("policy", "show", cvm, "--controller", running.url()).out()).isEqualTo(set.out());

            EndToEndTest.CliRun bad = EndToEndTest.cli(concat(new String[] {"policy", "set", cvm, broken.toString()}, owner));
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).isEqualTo("duet: the policy file " + broken + " is not a policy: policy.rules[1].effect is not \"allow\" or "
                    + "\"deny\"\n");
            EndToEndTest.CliRun deadRule = EndToEndTest.cli(concat(new String[] {"policy", "set", cvm, dead.toString()}, owner));
            assertThat(deadRule.exit()).isEqualTo(2);
            assertThat(deadRule.err()).startsWith("duet: the policy file " + dead + ": rule no-rm: the path pattern /etc//shadow has an empty")
                    .endsWith("write it in normal form\n");
            EndToEndTest.CliRun defaulted = EndToEndTest.cli(concat(new String[] {"policy", "default", "set", file.toString()}, owner));
            assertThat(defaulted.exit()).as(defaulted.err()).isZero();
            assertThat(defaulted.out()).startsWith("default policy version 1 sha256 ");

            assertThat(EndToEndTest.cli(concat(new String[] {"mode", cvm, "in-service"}, owner)).exit()).isZero();
            EndToEndTest.CliRun back = EndToEndTest.cli(concat(new String[] {"mode", cvm, "in-update"}, owner));
            assertThat(back.exit()).as(back.err()).isZero();
            assertThat(back.out()).contains("  on leaving service 0: exit 0");
        }
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
