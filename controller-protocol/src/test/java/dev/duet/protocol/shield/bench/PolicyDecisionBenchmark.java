package dev.duet.protocol.shield.bench;

import dev.duet.protocol.CvmMode;
import dev.duet.protocol.shield.Action;
import dev.duet.protocol.shield.Decision;
import dev.duet.protocol.shield.GlobSequence;
import dev.duet.protocol.shield.Rule;
import dev.duet.protocol.shield.ShieldPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One decision of a 1,000-rule policy (issue 12, item 6; docs/performance.md): 800 rules that name
 * their program literally (200 programs, 4 rules each, allow and deny, both modes), 100 whose program
 * is a wildcard (spread through the policy, so a decision walks them merged with its program's), and
 * 100 path rules, which a command's decision never looks at. Three argvs: one the first rule of its
 * program matches, one only that program's last rule matches (after every wildcard-program rule),
 * and one nothing matches (the default decides). Run by bench/policy-benchmark.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PolicyDecisionBenchmark {
    private static final Set<CvmMode> BOTH = Set.of(CvmMode.IN_UPDATE, CvmMode.IN_SERVICE);

    private ShieldPolicy policy;
    private Action.Exec matching;
    private Action.Exec lateMatching;
    private Action.Exec nonMatching;

    @Setup
    public void setUp() {
        List<Rule> rules = new ArrayList<>();
        int wildcard = 0;
        int path = 0;
        for (int i = 0; i < 1000; i++) {
            if (i % 10 == 3) {
                rules.add(new Rule("any-" + wildcard, BOTH, Rule.Effect.DENY, new Rule.Target.Exec(GlobSequence.compile(
                        List.of("*", "**", "--danger-" + wildcard++)))));
            } else if (i % 10 == 7) {
                String glob = "/srv/app-" + path + "/**";
                rules.add(new Rule("path-" + path++, Set.of(CvmMode.IN_UPDATE), Rule.Effect.DENY, new Rule.Target.Write(glob,
                        Rule.pathPattern(glob))));
            } else {
                int n = rules.size();
                String program = "prog-" + n % 200;
                rules.add(new Rule("p-" + n, n % 3 == 0 ? Set.of(CvmMode.IN_SERVICE) : BOTH, n % 2 == 0 ? Rule.Effect.ALLOW : Rule.Effect.DENY,
                        new Rule.Target.Exec(GlobSequence.compile(List.of(program, "sub-" + n / 200, "*", "**")))));
            }
        }
        policy = new ShieldPolicy(rules, 1 << 20, 4096, List.of());
        matching = argvFor(rules.stream().filter(r -> named(r, "prog-4")).findFirst().orElseThrow());
        String last = lastId(rules, "prog-4");
        lateMatching = argvFor(rules.stream().filter(r -> r.id().equals(last)).findFirst().orElseThrow());
        nonMatching = new Action.Exec(List.of("prog-4", "status", "--verbose", "nginx"));
        check(matching, rules.stream().filter(r -> named(r, "prog-4")).findFirst().orElseThrow().id());
        check(lateMatching, last);
        check(nonMatching, Decision.DEFAULT_IN_UPDATE);
    }

    private static String program(Rule rule) {
        return ((Rule.Target.Exec) rule.target()).argv().source().get(0);
    }

    private static Action.Exec argvFor(Rule rule) {
        List<String> source = ((Rule.Target.Exec) rule.target()).argv().source();
        return new Action.Exec(List.of(source.get(0), source.get(1), "a", "b", "c"));
    }

    /** A rule naming {@code program} literally that applies in-update, where the benchmark decides. */
    private static boolean named(Rule rule, String program) {
        return rule.id().startsWith("p-") && program(rule).equals(program) && rule.modes().contains(CvmMode.IN_UPDATE);
    }

    private static String lastId(List<Rule> rules, String program) {
        String id = null;
        for (Rule r : rules) {
            if (named(r, program)) {
                id = r.id();
            }
        }
        return id;
    }

    /** The decision the benchmark measures is the one it claims to: a wrong setup fails before anything is measured. */
    private void check(Action.Exec action, String rule) {
        String decided = policy.decide(CvmMode.IN_UPDATE, action).rule();
        if (!decided.equals(rule)) {
            throw new IllegalStateException(action.argv() + " is decided by " + decided + ", not " + rule);
        }
    }

    @Benchmark
    public Decision matching() {
        return policy.decide(CvmMode.IN_UPDATE, matching);
    }

    @Benchmark
    public Decision lateMatching() {
        return policy.decide(CvmMode.IN_UPDATE, lateMatching);
    }

    @Benchmark
    public Decision nonMatching() {
        return policy.decide(CvmMode.IN_UPDATE, nonMatching);
    }
}
