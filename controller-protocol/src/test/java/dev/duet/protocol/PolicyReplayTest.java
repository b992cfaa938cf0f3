package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import dev.duet.log.LogEntry;
import dev.duet.log.Sha256Hash;
import dev.duet.log.merkle.MerkleHashes;
import dev.duet.log.merkle.MerkleProofs;
import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.SignedNote;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import dev.duet.protocol.entry.PolicyCodec;
import dev.duet.protocol.shield.ShieldPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The verifier's replay of a CVM's decisions against the policy in force (issue 12): an honest
 * history verifies and shows its policy and the commands run in-service; a history signed by the
 * controller's key whose command the policy denied, whose in-service command names no rule, whose
 * policy widened in-service, or whose leaving-service commands were skipped fails, naming the entry.
 */
class PolicyReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CVM = "cvm-0123456789abcdef";
    private static final String HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIwrrfywbQSLLuW0rUZHp6TrJXuFVhuCUpmTpBLKDhb+";
    private static final String PIN = OpenSshFingerprint.of(HOST_KEY).orElseThrow();
    private static final String OWNER = "owner:k1";
    private static final Payload.Output EMPTY = new Payload.Output("", Sha256Hash.of(new byte[0]).hex(), 0, false);
    private final Ed25519KeyPair controller = Ed25519KeyPair.generate();

    private final List<LogEntry> entries = new ArrayList<>();
    private long seq = 1;
    private long version;
    private Sha256Hash prevGlobal = Sha256Hash.of(new byte[] {1});
    private int commands;

    /** A policy read from its JSON form, as an owner writes it. */
    static ShieldPolicy policy(String rules, String leaving) throws Exception {
        return PolicyCodec.decode("policy", JSON.readTree("{\"rules\":[" + rules + "],\"max_upload_bytes\":1048576,"
                + "\"log_content_below_bytes\":4096,\"on_leaving_service\":[" + leaving + "]}"));
    }

    private static final String READ_ONLY = """
            {"id":"status","effect":"allow","modes":["in-service"],"exec":["systemctl","status","*"]},
            {"id":"no-rm","effect":"deny","modes":["in-update","in-service"],"exec":["rm","**"]}""";

    private void add(String actor, Payload payload) {
        Sha256Hash subjectPrev = entries.isEmpty() ? Sha256Hash.ZERO : EntryCodec.hash(entries.get(entries.size() - 1));
        LogEntry e = new LogEntry(seq, Instant.parse("2026-12-01T00:00:00Z").plusSeconds(seq), Optional.of(CVM), actor,
                payload.kind().wire(), EntryCodec.canonical(PayloadCodec.encode(payload)), prevGlobal, Optional.of(subjectPrev));
        entries.add(e);
        prevGlobal = EntryCodec.hash(e);
        seq += 2;
    }

    private void setPolicy(ShieldPolicy policy) {
        version++;
        add(OWNER, version == 1 ? Payload.PolicySet.fromDefault(version, policy, PolicyCodec.sha256(policy))
                : Payload.PolicySet.byOwner(version, policy, PolicyCodec.sha256(policy), List.of(), 0));
    }

    private void adopted(ShieldPolicy policy) {
        add(OWNER, new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", PIN, ".ssh/authorized_keys", "ssh-ed25519 AAAAcontroller duet"));
        setPolicy(policy);
        add("controller", new Payload.Adopted(HOST_KEY, PIN, List.of("host key matches the pin"), Optional.empty()));
    }

    private void command(String actor, Optional<String> rule, String... argv) {
        String id = "c" + ++commands;
        add(actor, new Payload.CommandStarted(id, List.of(argv), Duration.ofSeconds(30), rule));
        add("controller", new Payload.CommandCompleted(id, OptionalInt.of(0), Optional.empty(), false, EMPTY, EMPTY));
    }

    private void switchTo(CvmMode from, CvmMode to) {
        add(OWNER, to == CvmMode.IN_SERVICE
                ? new Payload.ModeChanged(from, to, Optional.of(new Payload.ReAttestation.Unavailable("an adopted machine")))
                : new Payload.ModeChanged(from, to));
    }

    private CvmHistory.Replay replay() {
        return CvmHistory.Replay.initial().then(entries);
    }

    /** The history as a signed v1 state (its entries inline), verified with the controller's key. */
    private StateVerdict verify(String mode) {
        ObjectNode s = JSON.createObjectNode().put("format", CvmState.FORMAT).put("nonce", "n1");
        s.putObject("cvm").put("id", CVM).put("name", "web").put("provider", "ssh").put("mode", mode).put("host_key", HOST_KEY);
        List<Sha256Hash> leaves = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            leaves.add(MerkleHashes.leaf(new byte[] {(byte) i}));
        }
        entries.forEach(e -> leaves.set((int) e.seq(), MerkleHashes.leaf(EntryCodec.encode(e))));
        MerkleProofs tree = MerkleProofs.over(leaves);
        Checkpoint checkpoint = new Checkpoint(ControllerLog.origin(controller.publicKey()), 80, tree.root(0, 80), List.of());
        String note = SignedNote.sign(checkpoint.text(), ControllerLog.verifierKey(controller.publicKey()), controller::sign).encode();
        s.putObject("log").put("size", 80).put("head", Sha256Hash.ZERO.hex()).put("checkpoint", note);
        LogEntry last = entries.get(entries.size() - 1);
        ObjectNode cvmLog = s.putObject("cvm_log").put("size", entries.size()).put("head", EntryCodec.hash(last).hex());
        ArrayNode inclusion = cvmLog.putArray("inclusion");
        tree.inclusion(last.seq(), 80).forEach(p -> inclusion.add(p.hex()));
        ArrayNode list = s.putArray("entries");
        entries.forEach(e -> list.add(EntryCodec.toJson(e)));
        return CvmStateVerifier.verify(SignedDocument.sign(controller, s), controller.publicKey(),
                new CvmStateVerifier.Expectations(Optional.of(CVM), Optional.of("n1")));
    }

    private static String lifecycle(StateVerdict verdict) {
        return verdict.checks().stream().filter(c -> c.id().equals("lifecycle")).findFirst().orElseThrow().reason();
    }

    @Test
    void anHonestHistoryVerifiesWithItsPolicyAndTheCommandsRunInService() throws Exception {
        ShieldPolicy policy = policy(READ_ONLY, "");
        adopted(policy);
        command(OWNER, Optional.of("default:in-update"), "apt-get", "upgrade");
        add(OWNER, new Payload.RequestRefused("POST", "/v1/cvms/" + CVM + "/commands", "policy-denies", "rule no-rm denies it",
                Optional.of(List.of("rm", "-rf", "/")), Optional.empty(), Optional.of("no-rm")));
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        command(OWNER, Optional.of("status"), "systemctl", "status", "nginx");
        add(OWNER, new Payload.RequestRefused("POST", "/v1/cvms/" + CVM + "/commands", "mode-forbids", "no rule matches",
                Optional.of(List.of("reboot")), Optional.empty(), Optional.of("default:in-service")));

        StateVerdict verdict = verify("in-service");
        assertThat(verdict.failures()).isEmpty();
        assertThat(verdict.facts().orElseThrow().commandsRun()).isEqualTo(2);
        CvmHistory.Replay replay = replay();
        assertThat(replay.inServiceCommands()).isEqualTo(1);
        assertThat(replay.policy().version()).isEqualTo(1);
        assertThat(replay.policy().sha256()).isEqualTo(PolicyCodec.sha256(policy));
        assertThat(replay.policy().seq()).hasValue(entries.get(1).seq());
    }

    @Test
    void aCommandThePolicyInForceDeniedIsCaught() throws Exception {
        adopted(policy(READ_ONLY, ""));
        command(OWNER, Optional.of("default:in-update"), "rm", "-rf", "/var/lib/secrets");

        StateVerdict verdict = verify("in-update");
        assertThat(verdict.trusted()).isFalse();
        assertThat(lifecycle(verdict)).contains("entry " + entries.get(3).seq()).contains("command [rm, -rf, /var/lib/secrets] ran in-update "
                + "although policy version 1 refuses it (no-rm");
    }

    @Test
    void aCommandLoggedWithAnotherRuleThanTheOneThatDecidesIsCaught() throws Exception {
        adopted(policy(READ_ONLY, ""));
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        command(OWNER, Optional.of("status"), "systemctl", "restart", "nginx");
        assertThat(lifecycle(verify("in-service"))).contains("command [systemctl, restart, nginx] ran in-service although policy version 1 "
                + "refuses it (default:in-service");
    }

    @Test
    void aCommandRunInServiceWithoutARuleIsCaught() throws Exception {
        adopted(ShieldPolicy.DEFAULT);
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        command(OWNER, Optional.empty(), "cat", "/etc/shadow");
        assertThat(lifecycle(verify("in-service"))).contains("command [cat, /etc/shadow] ran in-service without the rule that allowed it");
    }

    @Test
    void aCommandWithoutARuleUnderASetPolicyIsCaughtEvenInUpdate() throws Exception {
        adopted(policy(READ_ONLY, ""));
        command(OWNER, Optional.empty(), "rm", "-rf", "/");
        assertThat(lifecycle(verify("in-update"))).contains("names no rule, but policy version 1 is in force");
    }

    @Test
    void aHistoryFromBeforePoliciesStillVerifies() {
        add(OWNER, new Payload.SshAdoptionStarted("web", "root@10.0.0.7:22", PIN, ".ssh/authorized_keys", "ssh-ed25519 AAAAcontroller duet"));
        add("controller", new Payload.Adopted(HOST_KEY, PIN, List.of("host key matches the pin"), Optional.empty()));
        command(OWNER, Optional.empty(), "apt-get", "upgrade");
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);

        assertThat(verify("in-service").failures()).isEmpty();
        assertThat(replay().policy()).isEqualTo(CvmHistory.Policy.BUILT_IN);
        assertThat(replay().inServiceCommands()).isZero();
    }

    @Test
    void aPolicyThatWidensInServiceIsCaughtAndOneThatNarrowsIsNot() throws Exception {
        adopted(policy(READ_ONLY, ""));
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        setPolicy(policy("{\"id\":\"no-rm\",\"effect\":\"deny\",\"modes\":[\"in-update\",\"in-service\"],\"exec\":[\"rm\",\"**\"]}", ""));
        assertThat(verify("in-service").failures()).isEmpty();

        setPolicy(policy("""
                {"id":"no-rm","effect":"deny","modes":["in-update","in-service"],"exec":["rm","**"]},
                {"id":"shell","effect":"allow","modes":["in-service"],"exec":["sh","**"]}""", ""));
        assertThat(lifecycle(verify("in-service"))).contains("entry " + entries.get(entries.size() - 1).seq()
                + ": policy version 3 was set in-service although it widens version 2: it adds or changes allow rule shell");
    }

    @Test
    void aPolicyWhoseLoggedHashOrVersionIsWrongIsCaught() throws Exception {
        adopted(policy(READ_ONLY, ""));
        ShieldPolicy next = policy("", "");
        add(OWNER, Payload.PolicySet.byOwner(3, next, PolicyCodec.sha256(next), List.of(), 0));
        assertThat(lifecycle(verify("in-update"))).contains("policy version 3 follows version 1");

        entries.remove(entries.size() - 1);
        add(OWNER, Payload.PolicySet.byOwner(2, next, PolicyCodec.sha256(ShieldPolicy.DEFAULT).replace('0', '1'), List.of(), 0));
        assertThat(lifecycle(verify("in-update"))).contains("policy.set.sha256 is not the SHA-256 of the policy logged with it");
    }

    @Test
    void leavingServiceCommandsMustComeFirstInOrderByTheController() throws Exception {
        ShieldPolicy wipe = policy(READ_ONLY, "[\"rm\",\"-f\",\"/run/secret\"],[\"sync\"]");
        adopted(wipe);
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        switchTo(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE);
        command("controller", Optional.of("on-leaving-service:0"), "rm", "-f", "/run/secret");
        command("controller", Optional.of("on-leaving-service:1"), "sync");
        command(OWNER, Optional.of("default:in-update"), "apt-get", "upgrade");
        assertThat(verify("in-update").failures()).isEmpty();
        assertThat(replay().leavingOwed()).isEmpty();
    }

    @Test
    void skippedLeavingServiceCommandsAreCaught() throws Exception {
        adopted(policy(READ_ONLY, "[\"rm\",\"-f\",\"/run/secret\"],[\"sync\"]"));
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        switchTo(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE);
        command("controller", Optional.of("on-leaving-service:0"), "rm", "-f", "/run/secret");
        command(OWNER, Optional.of("default:in-update"), "cat", "/run/secret");
        assertThat(lifecycle(verify("in-update"))).contains("command [cat, /run/secret] by owner:k1 came before command 1 the policy runs "
                + "on leaving service ([sync])");

        entries.subList(entries.size() - 4, entries.size()).clear();
        command(OWNER, Optional.of("default:in-update"), "cat", "/run/secret");
        assertThat(lifecycle(verify("in-update"))).contains("came before command 0 the policy runs on leaving service ([rm, -f, /run/secret])");
    }

    @Test
    void aCommandClaimingToRunOnLeavingServiceOutsideTheSwitchIsCaught() throws Exception {
        adopted(policy(READ_ONLY, "[\"sync\"]"));
        command("controller", Optional.of("on-leaving-service:0"), "sync");
        assertThat(lifecycle(verify("in-update"))).contains("no switch to in-update owes one");
    }

    @Test
    void aFileWrittenOrReadAgainstThePolicyIsCaught() throws Exception {
        adopted(policy("""
                {"id":"etc","effect":"deny","modes":["in-update"],"write":"/etc/**"},
                {"id":"logs","effect":"allow","modes":["in-service"],"read":"/var/log/**"}""", ""));
        add(OWNER, new Payload.FileWriteStarted("t1", "/srv/app.conf", "0644", 3, Sha256Hash.of(new byte[3]).hex(), Optional.empty(),
                "default:in-update"));
        add("controller", new Payload.FileWriteCompleted("t1"));
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        add(OWNER, new Payload.FileRead("t2", "/var/log/syslog", 3, Sha256Hash.of(new byte[3]).hex(), "logs"));
        assertThat(verify("in-service").failures()).isEmpty();

        add(OWNER, new Payload.FileRead("t3", "/etc/shadow", 3, Sha256Hash.of(new byte[3]).hex(), "logs"));
        assertThat(lifecycle(verify("in-service"))).contains("reading /etc/shadow ran in-service although policy version 1 refuses it");
        entries.remove(entries.size() - 1);
        add(OWNER, new Payload.FileWriteStarted("t4", "/srv/x", "0644", 3, Sha256Hash.of(new byte[3]).hex(), Optional.empty(),
                "default:in-update"));
        assertThat(lifecycle(verify("in-service"))).contains("file write started while in-service");
    }

    @Test
    void anEndThatNoOpenStartExplainsIsCaughtAndAStartLeftOpenIsNot() throws Exception {
        adopted(policy(READ_ONLY, ""));
        add(OWNER, new Payload.CommandStarted("c-open", List.of("apt-get", "upgrade"), Duration.ofSeconds(30), Optional.of("default:in-update")));
        command(OWNER, Optional.of("default:in-update"), "true");
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        assertThat(verify("in-service").failures()).as("a start whose end never came (the controller stopped) is no forgery").isEmpty();

        add("controller", new Payload.CommandFailed("c-stray", "the session closed"));
        assertThat(lifecycle(verify("in-service"))).contains("entry " + entries.get(entries.size() - 1).seq())
                .contains("command.failed c-stray ends no command or file write started before it");
        entries.remove(entries.size() - 1);

        add("controller", new Payload.CommandCompleted("c1", OptionalInt.of(0), Optional.empty(), false, EMPTY, EMPTY));
        assertThat(lifecycle(verify("in-service"))).contains("command.completed c1 ends no command or file write started before it");
        entries.remove(entries.size() - 1);

        add(OWNER, new Payload.CommandStarted("c-open", List.of("systemctl", "status", "x"), Duration.ofSeconds(30), Optional.of("status")));
        assertThat(lifecycle(verify("in-service"))).contains("command.started c-open was already started and has not ended");
        entries.remove(entries.size() - 1);

        switchTo(CvmMode.IN_SERVICE, CvmMode.IN_UPDATE);
        add("controller", new Payload.FileWriteCompleted("t-stray"));
        assertThat(lifecycle(verify("in-update"))).contains("file.write-completed t-stray ends no command or file write started before it");
    }

    @Test
    void aHistoryGivenFromALaterEntryMayEndWorkBegunBeforeIt() throws Exception {
        adopted(policy(READ_ONLY, ""));
        add("controller", new Payload.CommandFailed("c-before", "the session closed"));
        List<LogEntry> tail = entries.subList(3, entries.size());
        assertThat(CvmHistory.Replay.initial().resumedIn(CvmMode.IN_UPDATE, replay().policy()).then(tail).violation()).isEmpty();
        assertThat(replay().violation()).hasValueSatisfying(v -> assertThat(v).contains("command.failed c-before ends no command"));
    }

    @Test
    void aRefusalLoggedAsByARuleThatAllowsIsCaught() throws Exception {
        adopted(policy(READ_ONLY, ""));
        add(OWNER, new Payload.RequestRefused("POST", "/v1/cvms/" + CVM + "/commands", "policy-denies", "rule no-rm denies it",
                Optional.of(List.of("apt-get", "upgrade")), Optional.empty(), Optional.of("no-rm")));
        assertThat(lifecycle(verify("in-update"))).contains("a refusal is logged as by no-rm, but policy version 1 allows it in-update by "
                + "default:in-update");
    }

    @Test
    void aSummaryThatNamesAnotherPolicyOrHidesItOrItsInServiceCommandsFails() throws Exception {
        adopted(policy(READ_ONLY, ""));
        switchTo(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
        command(OWNER, Optional.of("status"), "systemctl", "status", "nginx");
        CvmHistory.Replay replay = replay();
        ObjectNode honest = JSON.createObjectNode();
        CvmState.putPolicy(honest, replay);
        assertThat(CvmStateVerifier.policyChecks(honest, replay)).allMatch(dev.duet.attestation.Check::passed);

        ObjectNode otherPolicy = honest.deepCopy();
        ((ObjectNode) otherPolicy.get("policy")).put("sha256", CvmHistory.Policy.BUILT_IN.sha256());
        ObjectNode hidden = honest.deepCopy();
        hidden.remove("policy");
        ObjectNode noCommands = honest.deepCopy().put("commands_in_service", 0);
        ObjectNode countHidden = honest.deepCopy();
        countHidden.remove("commands_in_service");
        for (ObjectNode lie : List.of(otherPolicy, hidden)) {
            assertThat(CvmStateVerifier.policyChecks(lie, replay)).filteredOn(c -> !c.passed()).extracting(c -> c.id()).containsExactly("policy");
        }
        for (ObjectNode lie : List.of(noCommands, countHidden)) {
            assertThat(CvmStateVerifier.policyChecks(lie, replay)).filteredOn(c -> !c.passed()).extracting(c -> c.id())
                    .containsExactly("commands in service");
        }
    }
}
