package dev.duet.protocol.entry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Octets;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.shield.GlobSequence;
import dev.duet.protocol.shield.Rule;
import dev.duet.protocol.shield.ShieldPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Each payload as the controller has always written it: the canonical JSON below is what users
 * verify in logs that already exist, so the codec must write exactly it and read it back to the
 * same record. Decoding is total: whatever bytes a payload holds, only the codec's own exception
 * comes out.
 */
class PayloadCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** The members the controller leaves out when they have nothing to say. */
    private static final Set<String> OPTIONAL = Set.of("cvm.attestation.checks", "request.refused.argv", "cvm.stopped.vm",
            "mode.changed.re_attestation", "owner.registered.threshold", "mode.changed.approved_by", "command.started.rule",
            "request.refused.file", "request.refused.rule", "policy.set.approved_by", "policy.default-set.approved_by",
            "owners.changed.approved_by", "file.write-started.content",
            // Switches to in-update written before owner changes existed name no owners (read as entry 0's).
            "mode.changed.owners_entry",
            // Azure launches written before the guest's packages were logged name none.
            "cvm.adoption-started.guest_packages");

    /** A policy with one rule of each target, and its canonical JSON and SHA-256 (docs/policy.md). */
    private static final ShieldPolicy POLICY = new ShieldPolicy(List.of(
            new Rule("status", EnumSet.of(CvmMode.IN_SERVICE), Rule.Effect.ALLOW, new Rule.Target.Exec(GlobSequence.compile(List.of("systemctl",
                    "status", "**")))),
            new Rule("etc", EnumSet.of(CvmMode.IN_UPDATE), Rule.Effect.ALLOW, new Rule.Target.Write("/etc/**", Rule.pathPattern("/etc/**"))),
            new Rule("no-shadow", EnumSet.of(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE), Rule.Effect.DENY, new Rule.Target.Read("/etc/shadow",
                    Rule.pathPattern("/etc/shadow")))),
            1024, 64, List.of(List.of("shred", "-u", "/run/secret")));
    private static final String POLICY_JSON = "{\"log_content_below_bytes\":64,\"max_upload_bytes\":1024,\"on_leaving_service\":[[\"shred\","
            + "\"-u\",\"/run/secret\"]],\"rules\":[{\"effect\":\"allow\",\"exec\":[\"systemctl\",\"status\",\"**\"],\"id\":\"status\","
            + "\"modes\":[\"in-service\"]},{\"effect\":\"allow\",\"id\":\"etc\",\"modes\":[\"in-update\"],\"write\":\"/etc/**\"},"
            + "{\"effect\":\"deny\",\"id\":\"no-shadow\",\"modes\":[\"in-update\",\"in-service\"],\"read\":\"/etc/shadow\"}]}";
    private static final String POLICY_SHA256 = "7b35ccfa7c8e830187c71a6ec3ba93f05e095ba5efdd7d938f122028775a1731";

    private record Golden(Payload payload, String canonical) {}

    private static final List<Golden> GOLDEN = List.of(
            new Golden(new Payload.OwnerRegistered(List.of(new Payload.OwnerKey("ab12", "MCowBQYDK2VwAyEA")), "cd34"),
                    "{\"controller_key_id\":\"cd34\",\"owner_keys\":[{\"key_id\":\"ab12\",\"public_key\":\"MCowBQYDK2VwAyEA\"}]}"),
            new Golden(new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", "SHA256:pin", ".ssh/authorized_keys", "ssh-ed25519 AAAA duet"),
                    "{\"address\":\"root@10.0.0.7:22\",\"authorized_keys_path\":\".ssh/authorized_keys\",\"controller_ssh_key\":\"ssh-ed25519 AAAA duet\","
                            + "\"host_key_pin\":\"SHA256:pin\",\"name\":\"web\",\"provider\":\"ssh\"}"),
            new Golden(new Payload.QemuLaunchStarted("guest", "ssh-ed25519 AAAA duet", "tcg", "no /dev/kvm", "simulated-snp", true,
                    Optional.empty(), new Payload.GuestImage("1", "console=ttyS0", "aa", "bb", new TreeMap<>(Map.of("openssh-server", "1:9.2")))),
                    "{\"accelerator\":\"tcg\",\"accelerator_reason\":\"no /dev/kvm\",\"controller_ssh_key\":\"ssh-ed25519 AAAA duet\","
                            + "\"evidence_source\":\"simulated-snp\",\"expected_measurement\":null,\"image\":{\"cmdline\":\"console=ttyS0\","
                            + "\"initramfs_sha256\":\"bb\",\"packages\":{\"openssh-server\":\"1:9.2\"},\"version\":\"1\",\"vmlinux_sha256\":\"aa\"},"
                            + "\"name\":\"guest\",\"provider\":\"qemu\",\"simulated\":true}"),
            new Golden(new Payload.QemuLaunchStarted("guest", "k", "kvm", "", "snp", false, Optional.of(Octets.fromHex("00ff")),
                    new Payload.GuestImage("1", "c", "aa", "bb", new TreeMap<>())),
                    "{\"accelerator\":\"kvm\",\"accelerator_reason\":\"\",\"controller_ssh_key\":\"k\",\"evidence_source\":\"snp\","
                            + "\"expected_measurement\":\"00ff\",\"image\":{\"cmdline\":\"c\",\"initramfs_sha256\":\"bb\",\"packages\":{},"
                            + "\"version\":\"1\",\"vmlinux_sha256\":\"aa\"},\"name\":\"guest\",\"provider\":\"qemu\",\"simulated\":false}"),
            new Golden(new Payload.AzureLaunchStarted("vm", "ssh-ed25519 AAAA duet", "snp", "Standard_DC2as_v5", "westeurope",
                    "duet-cvm-00", "Canonical:0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm:latest", "198.51.100.7", List.of()),
                    "{\"controller_ssh_key\":\"ssh-ed25519 AAAA duet\",\"image\":\"Canonical:0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm:"
                            + "latest\",\"location\":\"westeurope\",\"name\":\"vm\",\"provider\":\"azure\",\"resource_group\":\"duet-cvm-00\","
                            + "\"ssh_source\":\"198.51.100.7\",\"tee\":\"snp\",\"vm_size\":\"Standard_DC2as_v5\"}"),
            new Golden(new Payload.AzureLaunchStarted("vm", "ssh-ed25519 AAAA duet", "snp", "Standard_DC2as_v5", "westeurope",
                    "duet-cvm-00", "Canonical:0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm:latest", "198.51.100.7",
                    List.of("tpm2-tools")),
                    "{\"controller_ssh_key\":\"ssh-ed25519 AAAA duet\",\"guest_packages\":[\"tpm2-tools\"],\"image\":\"Canonical:"
                            + "0001-com-ubuntu-confidential-vm-jammy:22_04-lts-cvm:latest\",\"location\":\"westeurope\",\"name\":\"vm\","
                            + "\"provider\":\"azure\",\"resource_group\":\"duet-cvm-00\",\"ssh_source\":\"198.51.100.7\",\"tee\":\"snp\","
                            + "\"vm_size\":\"Standard_DC2as_v5\"}"),
            new Golden(new Payload.Attestation("simulated-snp", true, "simulated root", Octets.fromHex("05"), Octets.fromHex("0304"),
                    Octets.fromHex("0102"), "ssh-ed25519 HOST", "SHA256:host", true, List.of("signature verifies")),
                    "{\"accepted\":true,\"checks\":[\"signature verifies\"],\"endorsement\":\"0102\",\"evidence\":\"0304\","
                            + "\"evidence_source\":\"simulated-snp\",\"host_key_pin\":\"SHA256:host\",\"nonce\":\"05\","
                            + "\"presented_host_key\":\"ssh-ed25519 HOST\",\"simulated\":true,\"trust\":\"simulated root\"}"),
            new Golden(new Payload.Attestation("snp", false, "none", Octets.fromHex(""), Octets.fromHex(""), Octets.fromHex(""), "k", "p",
                    false, List.of()),
                    "{\"accepted\":false,\"endorsement\":\"\",\"evidence\":\"\",\"evidence_source\":\"snp\",\"host_key_pin\":\"p\",\"nonce\":\"\","
                            + "\"presented_host_key\":\"k\",\"simulated\":false,\"trust\":\"none\"}"),
            new Golden(new Payload.Adopted("ssh-ed25519 HOST", "SHA256:host", List.of("host key matches the pin"), Optional.empty()),
                    "{\"checks\":[\"host key matches the pin\"],\"host_key\":\"ssh-ed25519 HOST\",\"host_key_fingerprint\":\"SHA256:host\"}"),
            new Golden(new Payload.Adopted("h", "f", List.of(), Optional.of(new Payload.Vm(4242, 2222))),
                    "{\"checks\":[],\"host_key\":\"h\",\"host_key_fingerprint\":\"f\",\"ssh_port\":2222,\"vm_pid\":4242}"),
            new Golden(new Payload.Failed("controller restarted before adoption finished"),
                    "{\"reason\":\"controller restarted before adoption finished\"}"),
            new Golden(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE), "{\"from\":\"in-update\",\"to\":\"in-service\"}"),
            new Golden(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE, Optional.of(new Payload.ReAttestation.Fresh("simulated-snp",
                    true, "simulated root", "in-service-01", 4, Octets.fromHex("11".repeat(32)), Octets.fromHex("22".repeat(64)),
                    Octets.fromHex("0102"), Octets.fromHex("03"), List.of("ok")))),
                    "{\"from\":\"in-update\",\"re_attestation\":{\"checks\":[\"ok\"],\"endorsement\":\"03\",\"evidence\":\"0102\","
                            + "\"evidence_source\":\"simulated-snp\",\"log_head\":\"" + "11".repeat(32) + "\",\"log_size\":4,\"nonce\":\"in-service-01\","
                            + "\"report_data\":\"" + "22".repeat(64) + "\",\"simulated\":true,\"status\":\"attested\",\"trust\":\"simulated root\"},"
                            + "\"to\":\"in-service\"}"),
            new Golden(new Payload.ModeChanged(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE, Optional.of(new Payload.ReAttestation.Unavailable(
                    "adopted over SSH"))),
                    "{\"from\":\"in-update\",\"re_attestation\":{\"reason\":\"adopted over SSH\",\"status\":\"unavailable\"},"
                            + "\"to\":\"in-service\"}"),
            new Golden(new Payload.CommandStarted("cmd-01", List.of("ls", "-l"), Duration.ofSeconds(30)),
                    "{\"argv\":[\"ls\",\"-l\"],\"command_id\":\"cmd-01\",\"timeout_ms\":30000}"),
            new Golden(new Payload.CommandCompleted("cmd-01", OptionalInt.of(0), Optional.empty(), false,
                    new Payload.Output("aGk=", "8f43", 2, false), new Payload.Output("", EMPTY_SHA256, 0, false)),
                    "{\"command_id\":\"cmd-01\",\"exit_signal\":null,\"exit_status\":0,\"stderr\":\"\",\"stderr_bytes\":0,\"stderr_sha256\":\""
                            + EMPTY_SHA256 + "\",\"stderr_truncated\":false,\"stdout\":\"aGk=\",\"stdout_bytes\":2,\"stdout_sha256\":\"8f43\","
                            + "\"stdout_truncated\":false,\"timed_out\":false}"),
            new Golden(new Payload.CommandCompleted("cmd-02", OptionalInt.empty(), Optional.of("KILL"), true,
                    new Payload.Output("", EMPTY_SHA256, 5000000, true), new Payload.Output("", EMPTY_SHA256, 0, false)),
                    "{\"command_id\":\"cmd-02\",\"exit_signal\":\"KILL\",\"exit_status\":null,\"stderr\":\"\",\"stderr_bytes\":0,\"stderr_sha256\":\""
                            + EMPTY_SHA256 + "\",\"stderr_truncated\":false,\"stdout\":\"\",\"stdout_bytes\":5000000,\"stdout_sha256\":\""
                            + EMPTY_SHA256 + "\",\"stdout_truncated\":true,\"timed_out\":true}"),
            new Golden(new Payload.CommandFailed("cmd-03", "channel closed"), "{\"command_id\":\"cmd-03\",\"reason\":\"channel closed\"}"),
            new Golden(new Payload.RequestRefused("PUT", "/v1/cvms/cvm-0123456789abcdef/mode", "conflict", "CVM is stopped", Optional.empty()),
                    "{\"method\":\"PUT\",\"path\":\"/v1/cvms/cvm-0123456789abcdef/mode\",\"reason\":\"CVM is stopped\",\"refusal\":\"conflict\"}"),
            new Golden(new Payload.RequestRefused("POST", "/v1/cvms/x/commands", "mode-forbids", "in-service", Optional.of(List.of("id"))),
                    "{\"argv\":[\"id\"],\"method\":\"POST\",\"path\":\"/v1/cvms/x/commands\",\"reason\":\"in-service\",\"refusal\":\"mode-forbids\"}"),
            new Golden(new Payload.UnauthenticatedRefusals(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-01T00:01:00.250Z"), 3,
                    new TreeMap<>(Map.of("unauthenticated", 2L, "rate-limited", 1L)),
                    new Payload.RefusalSample("POST", "/v1/cvms", 8, "10.0.0.1", "none", "unauthenticated", "no signature")),
                    "{\"by_reason\":{\"rate-limited\":1,\"unauthenticated\":2},\"count\":3,\"from\":\"2026-12-01T00:00:00Z\",\"sample\":{"
                            + "\"claimed_key\":\"none\",\"method\":\"POST\",\"path\":\"/v1/cvms\",\"path_chars\":8,\"reason\":\"no signature\","
                            + "\"refusal\":\"unauthenticated\",\"source\":\"10.0.0.1\"},\"to\":\"2026-12-01T00:01:00.250Z\"}"),
            new Golden(new Payload.Stopped(CvmMode.IN_SERVICE, false), "{\"from\":\"in-service\",\"ssh_key\":\"destroyed\"}"),
            new Golden(new Payload.Stopped(CvmMode.FAILED, true), "{\"from\":\"failed\",\"ssh_key\":\"destroyed\",\"vm\":\"stopped\"}"),
            new Golden(new Payload.Removed(CvmMode.STOPPED), "{\"from\":\"stopped\"}"),
            new Golden(new Payload.OwnerRegistered(List.of(new Payload.OwnerKey("ab12", "A"), new Payload.OwnerKey("ef56", "B")), "cd34", 2),
                    "{\"controller_key_id\":\"cd34\",\"owner_keys\":[{\"key_id\":\"ab12\",\"public_key\":\"A\"},{\"key_id\":\"ef56\","
                            + "\"public_key\":\"B\"}],\"threshold\":2}"),
            new Golden(Payload.ModeChanged.toInUpdate(CvmMode.IN_SERVICE, List.of("ab12", "ef56"), 12),
                    "{\"approved_by\":[\"ab12\",\"ef56\"],\"from\":\"in-service\",\"owners_entry\":12,\"to\":\"in-update\"}"),
            new Golden(new Payload.CommandStarted("cmd-04", List.of("systemctl", "status"), Duration.ofSeconds(5), Optional.of("status")),
                    "{\"argv\":[\"systemctl\",\"status\"],\"command_id\":\"cmd-04\",\"rule\":\"status\",\"timeout_ms\":5000}"),
            new Golden(new Payload.RequestRefused("POST", "/v1/cvms/x/files", "policy-denies", "rule no-shadow denies it", Optional.empty(),
                    Optional.of("/etc/shadow"), Optional.of("no-shadow")),
                    "{\"file\":\"/etc/shadow\",\"method\":\"POST\",\"path\":\"/v1/cvms/x/files\",\"reason\":\"rule no-shadow denies it\","
                            + "\"refusal\":\"policy-denies\",\"rule\":\"no-shadow\"}"),
            new Golden(Payload.PolicySet.byOwner(2, POLICY, POLICY_SHA256, List.of(), 0),
                    "{\"origin\":\"owner\",\"owners_entry\":0,\"policy\":" + POLICY_JSON + ",\"sha256\":\"" + POLICY_SHA256
                            + "\",\"version\":2}"),
            new Golden(Payload.PolicySet.fromDefault(1, POLICY, POLICY_SHA256),
                    "{\"origin\":\"default\",\"policy\":" + POLICY_JSON + ",\"sha256\":\"" + POLICY_SHA256 + "\",\"version\":1}"),
            new Golden(new Payload.DefaultPolicySet(1, POLICY, POLICY_SHA256, List.of("ab12", "ef56"), 12),
                    "{\"approved_by\":[\"ab12\",\"ef56\"],\"owners_entry\":12,\"policy\":" + POLICY_JSON + ",\"sha256\":\""
                            + POLICY_SHA256 + "\",\"version\":1}"),
            new Golden(new Payload.FileWriteStarted("xfer-01", "/etc/motd", "0644", 2, "8f43", Optional.of("aGk="), "etc"),
                    "{\"bytes\":2,\"content\":\"aGk=\",\"path\":\"/etc/motd\",\"permissions\":\"0644\",\"rule\":\"etc\",\"sha256\":\"8f43\","
                            + "\"transfer_id\":\"xfer-01\"}"),
            new Golden(new Payload.FileWriteCompleted("xfer-01"), "{\"transfer_id\":\"xfer-01\"}"),
            new Golden(new Payload.FileWriteFailed("xfer-02", "connection lost"), "{\"reason\":\"connection lost\",\"transfer_id\":\"xfer-02\"}"),
            new Golden(new Payload.FileRead("xfer-03", "/etc/motd", 2, "8f43", "default:in-update"),
                    "{\"bytes\":2,\"path\":\"/etc/motd\",\"rule\":\"default:in-update\",\"sha256\":\"8f43\",\"transfer_id\":\"xfer-03\"}"),
            new Golden(new Payload.ApprovalRequested("apr-01", "PUT", "/v1/cvms/x/mode", EMPTY_SHA256, Instant.parse("2026-12-01T00:15:00Z")),
                    "{\"body_sha256\":\"" + EMPTY_SHA256 + "\",\"expires\":\"2026-12-01T00:15:00Z\",\"method\":\"PUT\",\"path\":\"/v1/cvms/x/mode\","
                            + "\"request_id\":\"apr-01\"}"),
            new Golden(new Payload.ApprovalAdded("apr-01"), "{\"request_id\":\"apr-01\"}"),
            new Golden(new Payload.ApprovalExpired("apr-02", List.of("ab12")), "{\"approved_by\":[\"ab12\"],\"request_id\":\"apr-02\"}"),
            new Golden(new Payload.OwnersChanged(List.of(new Payload.OwnerKey("ef56", "B")), List.of("ab12"), 1, List.of("ab12", "cd34"), 0),
                    "{\"added\":[{\"key_id\":\"ef56\",\"public_key\":\"B\"}],\"approved_by\":[\"ab12\",\"cd34\"],\"owners_entry\":0,"
                            + "\"removed\":[\"ab12\"],\"threshold\":1}"));

    @Test
    void everyPayloadIsWrittenAsTheControllerHasAlwaysWrittenItAndReadBack() throws Exception {
        for (Golden g : GOLDEN) {
            assertThat(EntryCodec.canonical(PayloadCodec.encode(g.payload()))).as(g.payload().kind().wire()).isEqualTo(g.canonical());
            assertThat(PayloadCodec.decode(g.payload().kind().wire(), JSON.readTree(g.canonical()))).isEqualTo(g.payload());
        }
        assertThat(GOLDEN.stream().map(g -> g.payload().kind()).distinct()).containsExactlyInAnyOrder(EntryKind.values());
    }

    @Test
    void aMissingAnUnknownOrAMistypedMemberOrAnUnknownKindIsMalformed() throws Exception {
        List<String> escaped = new ArrayList<>();
        for (Golden g : GOLDEN) {
            ObjectNode payload = (ObjectNode) JSON.readTree(g.canonical());
            for (String name : names(payload)) {
                if (!OPTIONAL.contains(g.payload().kind().wire() + "." + name)) {
                    expectMalformed(g, payload.deepCopy().without(name), "without " + name, escaped);
                }
                expectMalformed(g, payload.deepCopy().put(name, 1.5), name + " as a fraction", escaped);
            }
            expectMalformed(g, payload.deepCopy().put("extra", "x"), "with an unknown member", escaped);
            expectMalformed(g, JSON.getNodeFactory().arrayNode(), "as an array", escaped);
        }
        assertThat(escaped).isEmpty();
        ObjectNode noPackages = (ObjectNode) JSON.readTree("{\"controller_ssh_key\":\"k\",\"image\":\"i\",\"location\":\"l\",\"name\":\"vm\","
                + "\"provider\":\"azure\",\"resource_group\":\"g\",\"ssh_source\":\"s\",\"tee\":\"snp\",\"vm_size\":\"v\",\"guest_packages\":[]}");
        assertThatThrownBy(() -> PayloadCodec.decode("cvm.adoption-started", noPackages)).as("written empty, it would not encode as signed")
                .isInstanceOf(MalformedPayloadException.class).hasMessageContaining("guest_packages");
        assertThatThrownBy(() -> PayloadCodec.decode("cvm.teleported", JSON.createObjectNode()))
                .isInstanceOf(MalformedPayloadException.class).hasMessage("unknown entry kind cvm.teleported");
    }

    /**
     * The re-attestation of a switch to in-service is read as strictly as the entry around it: only
     * on a switch to in-service, one of two statuses, every member of its status and no other, the
     * head and REPORT_DATA at their sizes.
     */
    @Test
    void aReAttestationIsReadStrictly() throws Exception {
        ObjectNode fresh = (ObjectNode) JSON.readTree(EntryCodec.canonical(PayloadCodec.encode(GOLDEN.stream()
                .filter(g -> g.payload() instanceof Payload.ModeChanged m && m.reAttestation().orElse(null) instanceof Payload.ReAttestation.Fresh)
                .findFirst().orElseThrow().payload())));
        Map<String, java.util.function.Consumer<ObjectNode>> edits = new java.util.LinkedHashMap<>();
        edits.put("on a switch to in-update", p -> p.put("from", "in-service").put("to", "in-update"));
        edits.put("with an unknown member", p -> ((ObjectNode) p.get("re_attestation")).put("accepted", false));
        edits.put("without its report", p -> ((ObjectNode) p.get("re_attestation")).remove("evidence"));
        edits.put("with another status", p -> ((ObjectNode) p.get("re_attestation")).put("status", "trusted"));
        edits.put("unavailable with the members of an attested one", p -> ((ObjectNode) p.get("re_attestation")).put("status", "unavailable"));
        edits.put("with a short head", p -> ((ObjectNode) p.get("re_attestation")).put("log_head", "11"));
        edits.put("with long REPORT_DATA", p -> ((ObjectNode) p.get("re_attestation")).put("report_data", "22".repeat(65)));
        edits.put("with a negative size", p -> ((ObjectNode) p.get("re_attestation")).put("log_size", -1));
        edits.put("as a string", p -> p.put("re_attestation", "none"));
        for (Map.Entry<String, java.util.function.Consumer<ObjectNode>> edit : edits.entrySet()) {
            ObjectNode payload = fresh.deepCopy();
            edit.getValue().accept(payload);
            assertThatThrownBy(() -> PayloadCodec.decode(EntryKind.MODE_CHANGED, payload)).as(edit.getKey())
                    .isInstanceOf(MalformedPayloadException.class).hasMessageContaining("mode.changed");
        }
    }

    /**
     * The owners a governed entry names are read strictly: a switch to in-service, a policy the
     * default gave or an owner change with a position that is not one is malformed, and an owner's
     * policy change or an owner change without one is (only a switch to in-update may be from before).
     */
    @Test
    void theOwnersAGovernedEntryNamesAreReadStrictly() throws Exception {
        String toInService = "{\"from\":\"in-update\",\"owners_entry\":0,\"to\":\"in-service\"}";
        String negative = "{\"from\":\"in-service\",\"owners_entry\":-1,\"to\":\"in-update\"}";
        String fromDefault = "{\"origin\":\"default\",\"owners_entry\":0,\"policy\":" + POLICY_JSON + ",\"sha256\":\"" + POLICY_SHA256
                + "\",\"version\":1}";
        String ownerWithout = "{\"origin\":\"owner\",\"policy\":" + POLICY_JSON + ",\"sha256\":\"" + POLICY_SHA256 + "\",\"version\":2}";
        for (String[] bad : new String[][] {{"mode.changed", toInService}, {"mode.changed", negative}, {"policy.set", fromDefault},
                {"policy.set", ownerWithout}}) {
            assertThatThrownBy(() -> PayloadCodec.decode(bad[0], JSON.readTree(bad[1]))).as(bad[1]).isInstanceOf(MalformedPayloadException.class);
        }
        assertThat(PayloadCodec.decode("mode.changed", JSON.readTree("{\"from\":\"in-service\",\"to\":\"in-update\"}")))
                .isEqualTo(new Payload.ModeChanged(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE));
    }

    /** Random edits of every golden payload: each either decodes or is malformed, and nothing else comes out. */
    @Test
    void decodingIsTotal() {
        Random random = new Random(10);
        List<String> alphabet = List.of("{", "}", "[", "]", ",", ":", "\"", "0", "-1", "1e400", "null", "true", "\"in-update\"", "\"zz\"");
        int decoded = 0;
        for (Golden g : GOLDEN) {
            for (int i = 0; i < 2000; i++) {
                StringBuilder text = new StringBuilder(g.canonical());
                int at = random.nextInt(text.length());
                int end = Math.min(text.length(), at + random.nextInt(4));
                text.replace(at, end, alphabet.get(random.nextInt(alphabet.size())));
                JsonNode tree;
                try {
                    tree = JSON.readTree(text.toString());
                } catch (Exception notJson) {
                    continue;
                }
                try {
                    PayloadCodec.decode(g.payload().kind(), tree);
                    decoded++;
                } catch (MalformedPayloadException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
        assertThat(decoded).as("some edits keep a valid payload").isPositive();
    }

    private static void expectMalformed(Golden g, JsonNode payload, String what, List<String> escaped) {
        try {
            PayloadCodec.decode(g.payload().kind(), payload);
            escaped.add(g.payload().kind().wire() + " " + what + " decoded");
        } catch (MalformedPayloadException expected) {
            assertThat(expected.getMessage()).contains(g.payload().kind().wire());
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
