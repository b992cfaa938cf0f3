package dev.duet.protocol.shield;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.protocol.CvmMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The policy's decisions and its narrowing check (issue 12, docs/policy.md): the first matching rule
 * decides, in its modes only; the defaults decide what none matches; the index by program keeps the
 * policy's order with the rules whose program is a wildcard; paths and the upload limit; and
 * {@link ShieldPolicy#widening} accepts each way of narrowing and names each way of widening.
 */
class ShieldPolicyTest {
    private static final Set<CvmMode> BOTH = Set.of(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);
    private static final Set<CvmMode> UPDATE = Set.of(CvmMode.IN_UPDATE);
    private static final Set<CvmMode> SERVICE = Set.of(CvmMode.IN_SERVICE);

    static Rule exec(String id, Set<CvmMode> modes, Rule.Effect effect, String... argv) {
        return new Rule(id, modes, effect, new Rule.Target.Exec(GlobSequence.compile(List.of(argv))));
    }

    static Rule write(String id, Set<CvmMode> modes, Rule.Effect effect, String path) {
        return new Rule(id, modes, effect, new Rule.Target.Write(path, Rule.pathPattern(path)));
    }

    static Rule read(String id, Set<CvmMode> modes, Rule.Effect effect, String path) {
        return new Rule(id, modes, effect, new Rule.Target.Read(path, Rule.pathPattern(path)));
    }

    static ShieldPolicy policy(Rule... rules) {
        return new ShieldPolicy(List.of(rules), 1000, 100, List.of());
    }

    private static Decision run(ShieldPolicy policy, CvmMode mode, String... argv) {
        return policy.decide(mode, new Action.Exec(List.of(argv)));
    }

    private static final Rule STATUS = exec("status", SERVICE, Rule.Effect.ALLOW, "systemctl", "status", "*");
    private static final Rule NO_SYSTEMCTL = exec("no-systemctl", BOTH, Rule.Effect.DENY, "systemctl", "**");
    private static final Rule NO_RM = exec("no-rm", BOTH, Rule.Effect.DENY, "rm", "**");

    @Test
    void theFirstMatchingRuleDecidesInItsModesOnly() {
        ShieldPolicy p = policy(STATUS, NO_SYSTEMCTL);
        assertThat(run(p, CvmMode.IN_SERVICE, "systemctl", "status", "nginx")).isEqualTo(new Decision(true, "status",
                "rule status allows it in in-service"));
        assertThat(run(p, CvmMode.IN_SERVICE, "systemctl", "restart", "nginx").rule()).isEqualTo("no-systemctl");
        assertThat(run(p, CvmMode.IN_UPDATE, "systemctl", "status", "nginx")).as("status applies in-service only")
                .isEqualTo(new Decision(false, "no-systemctl", "rule no-systemctl denies it in in-update"));
        assertThat(run(p, CvmMode.IN_SERVICE, "systemctl", "status", "a", "b").rule()).as("* is one argument").isEqualTo("no-systemctl");
        assertThat(run(p, CvmMode.IN_SERVICE, "sh", "-c", "systemctl status nginx").rule()).as("arguments are matched as given")
                .isEqualTo(Decision.DEFAULT_IN_SERVICE);
    }

    @Test
    void whatNoRuleMatchesIsAllowedInUpdateAndRefusedInServiceAndNothingRunsOutsideThem() {
        ShieldPolicy p = policy(NO_RM);
        assertThat(run(p, CvmMode.IN_UPDATE, "apt-get", "upgrade")).isEqualTo(new Decision(true, Decision.DEFAULT_IN_UPDATE,
                "no rule matches; in-update allows it"));
        assertThat(run(p, CvmMode.IN_SERVICE, "apt-get", "upgrade")).isEqualTo(new Decision(false, Decision.DEFAULT_IN_SERVICE,
                "no rule matches; in-service refuses what no rule allows"));
        for (CvmMode mode : List.of(CvmMode.PROVISIONING, CvmMode.STOPPED, CvmMode.FAILED)) {
            assertThat(run(p, mode, "true").rule()).isEqualTo(Decision.NOT_OPERATIONAL);
            assertThat(run(p, mode, "true").allowed()).isFalse();
        }
        assertThat(ShieldPolicy.DEFAULT.decide(CvmMode.IN_SERVICE, new Action.Read(new RemotePath("/etc/hostname"))).rule())
                .isEqualTo(Decision.DEFAULT_IN_SERVICE);
    }

    @Test
    void rulesIndexedByProgramKeepTheirOrderWithWildcardProgramRules() {
        Rule noForce = exec("no-force", BOTH, Rule.Effect.DENY, "*", "**", "--force");
        Rule apt = exec("apt", BOTH, Rule.Effect.ALLOW, "apt-get", "**");
        Rule lateDeny = exec("late", BOTH, Rule.Effect.DENY, "apt-get", "purge", "**");
        assertThat(run(policy(noForce, apt), CvmMode.IN_SERVICE, "apt-get", "install", "--force").rule()).isEqualTo("no-force");
        assertThat(run(policy(apt, noForce), CvmMode.IN_SERVICE, "apt-get", "install", "--force").rule()).isEqualTo("apt");
        assertThat(run(policy(noForce, apt, lateDeny), CvmMode.IN_SERVICE, "apt-get", "purge", "x").rule()).isEqualTo("apt");
        assertThat(run(policy(lateDeny, noForce, apt), CvmMode.IN_SERVICE, "apt-get", "purge", "x").rule()).isEqualTo("late");
        Rule anyShell = exec("shells", BOTH, Rule.Effect.DENY, "?sh", "**");
        assertThat(run(policy(apt, anyShell), CvmMode.IN_UPDATE, "bash", "-c", "x").rule()).isEqualTo(Decision.DEFAULT_IN_UPDATE);
        assertThat(run(policy(apt, anyShell), CvmMode.IN_UPDATE, "zsh").rule()).isEqualTo("shells");
        Rule literalStar = exec("star", BOTH, Rule.Effect.DENY, "echo", "\\*");
        assertThat(run(policy(literalStar), CvmMode.IN_UPDATE, "echo", "*").rule()).isEqualTo("star");
        assertThat(run(policy(literalStar), CvmMode.IN_UPDATE, "echo", "x").rule()).isEqualTo(Decision.DEFAULT_IN_UPDATE);
    }

    @Test
    void aManyRulePolicyDecidesAsALinearScanWould() {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            rules.add(i % 7 == 0 ? exec("w" + i, i % 2 == 0 ? UPDATE : BOTH, Rule.Effect.DENY, "*", "x" + i)
                    : exec("p" + i, i % 3 == 0 ? SERVICE : BOTH, i % 2 == 0 ? Rule.Effect.ALLOW : Rule.Effect.DENY, "prog" + i % 40, "**", "x" + i));
        }
        ShieldPolicy p = new ShieldPolicy(rules, 1, 1, List.of());
        for (int prog = 0; prog < 41; prog++) {
            for (int x = 0; x < 300; x += 11) {
                for (CvmMode mode : List.of(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE)) {
                    Action.Exec action = new Action.Exec(List.of("prog" + prog, "a", "x" + x));
                    Optional<Rule> linear = rules.stream().filter(r -> r.modes().contains(mode) && r.matches(action)).findFirst();
                    assertThat(p.decide(mode, action).rule()).isEqualTo(linear.map(Rule::id).orElse(
                            mode == CvmMode.IN_UPDATE ? Decision.DEFAULT_IN_UPDATE : Decision.DEFAULT_IN_SERVICE));
                }
            }
        }
    }

    @Test
    void pathsMatchByWholeSegmentsAndUploadsAreLimited() {
        ShieldPolicy p = policy(write("etc", UPDATE, Rule.Effect.DENY, "/etc/**"), read("logs", SERVICE, Rule.Effect.ALLOW, "/var/log/*.log"),
                write("srv", UPDATE, Rule.Effect.ALLOW, "/srv/app/*"));
        assertThat(p.decide(CvmMode.IN_UPDATE, new Action.Write(new RemotePath("/etc/ssh/sshd_config"), 10)).rule()).isEqualTo("etc");
        assertThat(p.decide(CvmMode.IN_UPDATE, new Action.Write(new RemotePath("/etcetera"), 10)).rule()).isEqualTo(Decision.DEFAULT_IN_UPDATE);
        assertThat(p.decide(CvmMode.IN_UPDATE, new Action.Write(new RemotePath("/srv/app/a.conf"), 1000)).rule()).isEqualTo("srv");
        assertThat(p.decide(CvmMode.IN_UPDATE, new Action.Write(new RemotePath("/srv/app/a.conf"), 1001)))
                .isEqualTo(new Decision(false, Decision.UPLOAD_LIMIT, "the file is 1001 bytes; the policy allows at most 1000"));
        assertThat(p.decide(CvmMode.IN_SERVICE, new Action.Read(new RemotePath("/var/log/syslog.log"))).rule()).isEqualTo("logs");
        assertThat(p.decide(CvmMode.IN_SERVICE, new Action.Read(new RemotePath("/var/log/nginx/a.log"))).rule())
                .isEqualTo(Decision.DEFAULT_IN_SERVICE);
        assertThat(p.decide(CvmMode.IN_SERVICE, new Action.Write(new RemotePath("/srv/app/a.conf"), 1)).rule())
                .isEqualTo(Decision.DEFAULT_IN_SERVICE);
        assertThatThrownBy(() -> write("w", BOTH, Rule.Effect.ALLOW, "/srv/**")).hasMessageContaining("files change only in-update");
        assertThat(RemotePath.problem("/a/../b")).contains("normal form");
        assertThat(RemotePath.problem("relative")).contains("absolute");
        assertThat(RemotePath.problem("/a\nb")).contains("control");
    }

    /** Requests are in normal form, so a pattern that is not matches nothing: a deny rule written so would deny nothing. */
    @Test
    void aPathPatternNotInNormalFormIsNamedAsMatchingNothing() {
        for (String dead : List.of("/etc/../etc/shadow", "/etc//shadow", "/etc/./shadow", "/etc/shadow/", "/etc/**/..")) {
            ShieldPolicy p = policy(STATUS, read("no-shadow", BOTH, Rule.Effect.DENY, dead));
            assertThat(p.unmatchablePattern()).as(dead).hasValueSatisfying(why -> assertThat(why)
                    .startsWith("rule no-shadow: the path pattern " + dead + " has an empty"));
            assertThat(p.decide(CvmMode.IN_SERVICE, new Action.Read(new RemotePath("/etc/shadow"))).rule()).as(dead)
                    .isEqualTo(Decision.DEFAULT_IN_SERVICE);
        }
        assertThat(policy(write("w", UPDATE, Rule.Effect.DENY, "/etc/x/"), STATUS).unmatchablePattern()).hasValueSatisfying(
                why -> assertThat(why).startsWith("rule w:"));
        assertThat(policy(STATUS, read("ok", BOTH, Rule.Effect.DENY, "/etc/**"), write("w", UPDATE, Rule.Effect.DENY, "/srv/*.conf"))
                .unmatchablePattern()).isEmpty();
    }

    private static Optional<String> widening(ShieldPolicy before, ShieldPolicy after) {
        return ShieldPolicy.widening(before, after);
    }

    private static ShieldPolicy with(long maxUpload, long logBelow, List<List<String>> leaving, Rule... rules) {
        return new ShieldPolicy(List.of(rules), maxUpload, logBelow, leaving);
    }

    @Test
    void eachNarrowingIsAccepted() {
        Rule apt = exec("apt", BOTH, Rule.Effect.ALLOW, "apt-get", "**");
        ShieldPolicy before = with(1000, 100, List.of(List.of("sync")), STATUS, NO_RM, apt);
        assertThat(widening(before, before)).isEmpty();
        assertThat(widening(before, with(1000, 100, List.of(List.of("sync")), NO_RM, apt))).as("allow dropped").isEmpty();
        assertThat(widening(before, with(1000, 100, List.of(List.of("sync")), NO_SYSTEMCTL, STATUS, NO_RM, apt))).as("deny added first").isEmpty();
        assertThat(widening(before, with(1000, 100, List.of(List.of("sync")), STATUS, NO_RM, NO_SYSTEMCTL, apt))).as("deny added between").isEmpty();
        assertThat(widening(before, with(999, 100, List.of(List.of("sync")), STATUS, NO_RM, apt))).as("upload limit lowered").isEmpty();
        assertThat(widening(before, with(1000, 101, List.of(List.of("sync")), STATUS, NO_RM, apt))).as("more content logged").isEmpty();
        assertThat(widening(before, with(1000, 100, List.of(List.of("sync"), List.of("rm", "/x")), STATUS, NO_RM, apt)))
                .as("leaving command appended").isEmpty();
    }

    @Test
    void eachWideningIsNamed() {
        Rule apt = exec("apt", BOTH, Rule.Effect.ALLOW, "apt-get", "**");
        List<List<String>> sync = List.of(List.of("sync"));
        ShieldPolicy before = with(1000, 100, sync, STATUS, NO_RM, apt);
        assertThat(widening(before, with(1000, 100, sync, STATUS, NO_RM, apt, exec("sh", SERVICE, Rule.Effect.ALLOW, "sh", "**"))))
                .hasValue("it adds or changes allow rule sh");
        assertThat(widening(before, with(1000, 100, sync, exec("status", SERVICE, Rule.Effect.ALLOW, "systemctl", "**"), NO_RM, apt)))
                .hasValue("it adds or changes allow rule status");
        assertThat(widening(before, with(1000, 100, sync, STATUS, apt))).hasValue("it removes or changes deny rule no-rm");
        assertThat(widening(before, with(1000, 100, sync, STATUS, exec("no-rm", UPDATE, Rule.Effect.DENY, "rm", "**"), apt)))
                .hasValue("it removes or changes deny rule no-rm");
        assertThat(widening(before, with(1000, 100, sync, STATUS, apt, NO_RM))).hasValue("it reorders rules that both policies hold");
        assertThat(widening(before, with(1001, 100, sync, STATUS, NO_RM, apt))).hasValue("it raises max_upload_bytes from 1000 to 1001");
        assertThat(widening(before, with(1000, 99, sync, STATUS, NO_RM, apt))).hasValue("it lowers log_content_below_bytes from 100 to 99");
        assertThat(widening(before, with(1000, 100, List.of(), STATUS, NO_RM, apt)))
                .hasValue("it removes, changes or reorders commands run on leaving service");
        assertThat(widening(before, with(1000, 100, List.of(List.of("sync", "-f")), STATUS, NO_RM, apt)))
                .hasValue("it removes, changes or reorders commands run on leaving service");
        assertThat(widening(with(1000, 100, List.of(List.of("a"), List.of("b")), STATUS), with(1000, 100, List.of(List.of("b"), List.of("a")), STATUS)))
                .hasValue("it removes, changes or reorders commands run on leaving service");
    }
}
