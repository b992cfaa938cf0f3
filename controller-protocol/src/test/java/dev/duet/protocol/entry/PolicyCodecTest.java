package dev.duet.protocol.entry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.log.EntryCodec;
import dev.duet.log.Sha256Hash;
import dev.duet.protocol.shield.ShieldPolicy;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy's JSON form (docs/policy.md): a policy reads back as itself, its hash is that of its
 * canonical form whatever the member order it was sent in, and reading is strict, every malformed
 * policy refused with a message that names where.
 */
class PolicyCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD = """
            {"rules":[
              {"id":"status","effect":"allow","modes":["in-service"],"exec":["systemctl","status","*"]},
              {"id":"etc","effect":"deny","modes":["in-update","in-service"],"write":"/etc/**"},
              {"id":"logs","effect":"allow","modes":["in-service"],"read":"/var/log/**"}],
             "max_upload_bytes":1048576,"log_content_below_bytes":4096,"on_leaving_service":[["rm","-f","/run/secret"]]}""";

    private static ShieldPolicy decode(String json) throws Exception {
        return PolicyCodec.decode("policy", JSON.readTree(json));
    }

    @Test
    void aPolicyReadsBackAsItselfAndHashesItsCanonicalForm() throws Exception {
        ShieldPolicy policy = decode(GOOD);
        assertThat(policy.rules()).hasSize(3);
        assertThat(policy.onLeavingService()).containsExactly(java.util.List.of("rm", "-f", "/run/secret"));
        assertThat(PolicyCodec.decode("policy", PolicyCodec.encode(policy))).isEqualTo(policy);
        String canonical = EntryCodec.canonical(PolicyCodec.encode(policy));
        assertThat(PolicyCodec.sha256(policy)).isEqualTo(Sha256Hash.of(canonical.getBytes(StandardCharsets.UTF_8)).hex());
        String reordered = """
                {"on_leaving_service":[["rm","-f","/run/secret"]],"log_content_below_bytes":4096,"max_upload_bytes":1048576,"rules":[
                  {"exec":["systemctl","status","*"],"modes":["in-service"],"effect":"allow","id":"status"},
                  {"write":"/etc/**","effect":"deny","id":"etc","modes":["in-service","in-update"]},
                  {"read":"/var/log/**","id":"logs","effect":"allow","modes":["in-service"]}]}""";
        assertThat(PolicyCodec.sha256(decode(reordered))).isEqualTo(PolicyCodec.sha256(policy));
        assertThat(PolicyCodec.sha256(ShieldPolicy.DEFAULT)).isNotEqualTo(PolicyCodec.sha256(policy));
    }

    @Test
    void everyMalformedPolicyIsRefusedNamingWhere() {
        String rule = "{\"id\":\"r\",\"effect\":\"allow\",\"modes\":[\"in-update\"],\"exec\":[\"true\"]}";
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("unknown member", GOOD.replace("\"max_upload_bytes\"", "\"extra\":1,\"max_upload_bytes\""));
        bad.put("unknown rule member", GOOD.replace("\"id\":\"status\",", "\"id\":\"status\",\"why\":\"x\","));
        bad.put("missing member", GOOD.replace("\"log_content_below_bytes\":4096,", ""));
        bad.put("unfinished escape", GOOD.replace("\"status\",\"*\"", "\"status\",\"a\\\\\""));
        bad.put("duplicate id", GOOD.replace("\"id\":\"etc\"", "\"id\":\"status\""));
        bad.put("write allowed in-service", GOOD.replace("\"effect\":\"deny\",\"modes\":[\"in-update\",\"in-service\"],\"write\"",
                "\"effect\":\"allow\",\"modes\":[\"in-update\",\"in-service\"],\"write\""));
        bad.put("mode not operational", GOOD.replace("[\"in-service\"],\"exec\"", "[\"stopped\"],\"exec\""));
        bad.put("mode twice", GOOD.replace("[\"in-service\"],\"exec\"", "[\"in-service\",\"in-service\"],\"exec\""));
        bad.put("no mode", GOOD.replace("[\"in-service\"],\"exec\"", "[],\"exec\""));
        bad.put("two targets", GOOD.replace("\"write\":\"/etc/**\"", "\"write\":\"/etc/**\",\"read\":\"/etc/**\""));
        bad.put("no target", "{\"rules\":[{\"id\":\"r\",\"effect\":\"allow\",\"modes\":[\"in-update\"]}],\"max_upload_bytes\":1,"
                + "\"log_content_below_bytes\":1,\"on_leaving_service\":[]}");
        bad.put("effect", GOOD.replace("\"effect\":\"deny\"", "\"effect\":\"maybe\""));
        bad.put("relative path", GOOD.replace("\"/etc/**\"", "\"etc/**\""));
        bad.put("id with a colon", GOOD.replace("\"id\":\"logs\"", "\"id\":\"default:in-update\""));
        bad.put("empty argv", GOOD.replace("\"exec\":[\"systemctl\",\"status\",\"*\"]", "\"exec\":[]"));
        bad.put("empty leaving argv", GOOD.replace("[[\"rm\",\"-f\",\"/run/secret\"]]", "[[]]"));
        bad.put("negative size", GOOD.replace("1048576", "-1"));
        bad.put("size as text", GOOD.replace("1048576", "\"1048576\""));
        bad.put("rules not an array", "{\"rules\":" + rule + ",\"max_upload_bytes\":1,\"log_content_below_bytes\":1,\"on_leaving_service\":[]}");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            assertThatThrownBy(() -> decode(e.getValue())).as(e.getKey()).isInstanceOf(MalformedPayloadException.class)
                    .hasMessageStartingWith("policy");
        }
        assertThatThrownBy(() -> decode(GOOD.replace("\"id\":\"etc\"", "\"id\":\"status\""))).hasMessageContaining("rule id status is used twice");
        assertThatThrownBy(() -> decode(GOOD.replace("[\"in-service\"],\"exec\"", "[\"stopped\"],\"exec\"")))
                .hasMessageContaining("not in-update or in-service");
    }

    private static String policyOf(java.util.List<String> rules) {
        return "{\"rules\":[" + String.join(",", rules) + "],\"max_upload_bytes\":1,\"log_content_below_bytes\":1,\"on_leaving_service\":[]}";
    }

    private static String execRule(int i, String... argv) throws Exception {
        return "{\"id\":\"r" + i + "\",\"effect\":\"deny\",\"modes\":[\"in-update\"],\"exec\":" + JSON.writeValueAsString(argv) + "}";
    }

    /** Fails on the code before the limits, which took each of these policies (the first is the penetration test's). */
    @Test
    void globsAreBoundedEachAndInAll() throws Exception {
        assertThatThrownBy(() -> decode(policyOf(java.util.List.of(execRule(0, "*a".repeat(350_000) + "b")))))
                .isInstanceOf(MalformedPayloadException.class)
                .hasMessage("policy.rules[0].exec[0] is a glob of 700001 code points; at most 1024 are taken");
        String smile = "\uD83D\uDE00";
        assertThat(decode(policyOf(java.util.List.of(execRule(0, "rm", smile.repeat(1024)))))).as("code points, not UTF-16 units")
                .isNotNull();
        assertThatThrownBy(() -> decode(policyOf(java.util.List.of(execRule(0, "rm", "a".repeat(1025))))))
                .hasMessage("policy.rules[0].exec[1] is a glob of 1025 code points; at most 1024 are taken");
        String write = "{\"id\":\"w\",\"effect\":\"deny\",\"modes\":[\"in-update\"],\"write\":\"/etc/" + "*".repeat(1025) + "\"}";
        assertThatThrownBy(() -> decode(policyOf(java.util.List.of(write)))).isInstanceOf(MalformedPayloadException.class)
                .hasMessage("policy.rules[0].write segment 2 is a glob of 1025 code points; at most 1024 are taken");
        String read = "{\"id\":\"w\",\"effect\":\"deny\",\"modes\":[\"in-update\"],\"read\":\"/" + "?".repeat(1025) + "/x\"}";
        assertThatThrownBy(() -> decode(policyOf(java.util.List.of(read)))).isInstanceOf(MalformedPayloadException.class)
                .hasMessage("policy.rules[0].read segment 1 is a glob of 1025 code points; at most 1024 are taken");

        java.util.List<String> full = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            full.add(execRule(i, "*".repeat(1023)));
        }
        assertThat(decode(policyOf(full)).rules()).as("64 x (1023 + 1) is exactly the limit").hasSize(64);
        full.add(execRule(64, "x"));
        assertThatThrownBy(() -> decode(policyOf(full))).isInstanceOf(MalformedPayloadException.class)
                .hasMessageStartingWith("policy.rules[64] brings the policy's patterns above 65536 code points in all");
        String[] empties = new String[70_000];
        java.util.Arrays.fill(empties, "");
        assertThatThrownBy(() -> decode(policyOf(java.util.List.of(execRule(0, empties))))).as("empty elements count too")
                .hasMessageStartingWith("policy.rules[0] brings the policy's patterns above 65536 code points");
    }
}
