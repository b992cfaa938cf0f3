package dev.duet.protocol.shield;

import dev.duet.protocol.CvmMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the owner may do on a CVM, in each mode (issue 12; docs/policy.md): rules in order, the
 * first that matches an action decides; what none matches is allowed in {@code in-update} and
 * refused in {@code in-service}. Uploads are limited in size, and their content is logged in full
 * below a size. The commands {@code onLeavingService} run by themselves, in order, each time the CVM
 * switches to {@code in-update}, before any owner's command.
 *
 * <p>A class rather than a record only to hold the rule index a decision uses (1,000 rules in a few
 * microseconds); equality is that of the four values.
 */
public final class ShieldPolicy {
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 1 << 20;
    public static final long DEFAULT_LOG_CONTENT_BELOW_BYTES = 4096;
    /** The policy of a controller whose owners never set one: no rules, the default limits, nothing run on leaving service. */
    public static final ShieldPolicy DEFAULT = new ShieldPolicy(List.of(), DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_LOG_CONTENT_BELOW_BYTES, List.of());

    private static final int[] NONE = new int[0];

    private final List<Rule> rules;
    private final long maxUploadBytes;
    private final long logContentBelowBytes;
    private final List<List<String>> onLeavingService;
    /** Indices of the exec rules, by a program named literally; the others by position only. */
    private final Map<String, int[]> execByProgram;
    private final int[] execAnyProgram;

    public ShieldPolicy(List<Rule> rules, long maxUploadBytes, long logContentBelowBytes, List<List<String>> onLeavingService) {
        this.rules = List.copyOf(rules);
        if (maxUploadBytes < 0 || logContentBelowBytes < 0) {
            throw new IllegalArgumentException("sizes are not negative");
        }
        this.maxUploadBytes = maxUploadBytes;
        this.logContentBelowBytes = logContentBelowBytes;
        List<List<String>> commands = new ArrayList<>();
        for (List<String> argv : onLeavingService) {
            commands.add(new Action.Exec(argv).argv());
        }
        this.onLeavingService = List.copyOf(commands);
        Set<String> ids = new HashSet<>();
        Map<String, List<Integer>> byProgram = new HashMap<>();
        List<Integer> anyProgram = new ArrayList<>();
        for (int i = 0; i < this.rules.size(); i++) {
            Rule rule = this.rules.get(i);
            if (!ids.add(rule.id())) {
                throw new IllegalArgumentException("rule id " + rule.id() + " is used twice");
            }
            if (rule.target() instanceof Rule.Target.Exec exec) {
                Optional<String> program = exec.argv().literalHead();
                if (program.isPresent()) {
                    byProgram.computeIfAbsent(program.get(), p -> new ArrayList<>()).add(i);
                } else {
                    anyProgram.add(i);
                }
            }
        }
        this.execByProgram = new HashMap<>();
        byProgram.forEach((program, indices) -> execByProgram.put(program, indices.stream().mapToInt(Integer::intValue).toArray()));
        this.execAnyProgram = anyProgram.stream().mapToInt(Integer::intValue).toArray();
    }

    public List<Rule> rules() {
        return rules;
    }

    /**
     * The first rule whose path pattern no request can match, and why: requests name paths in
     * normal form ({@link RemotePath}), so a pattern with an empty, "." or ".." segment
     * ({@code /etc/../etc/shadow}, {@code /etc//shadow}, {@code /etc/shadow/}) is dead, and a deny
     * rule written that way would look to its readers as if it denied something. Not judged when a
     * logged or stored policy is read, which stays readable as it was accepted; refused where a new
     * policy is accepted.
     */
    public Optional<String> unmatchablePattern() {
        for (Rule rule : rules) {
            String path = rule.target() instanceof Rule.Target.Write write ? write.path()
                    : rule.target() instanceof Rule.Target.Read read ? read.path() : null;
            if (path != null && GlobSequence.segments(path).stream().anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
                return Optional.of("rule " + rule.id() + ": the path pattern " + path + " has an empty, \".\" or \"..\" segment, so it "
                        + "matches no path a request can name (requests are in normal form); write it in normal form");
            }
        }
        return Optional.empty();
    }

    public long maxUploadBytes() {
        return maxUploadBytes;
    }

    public long logContentBelowBytes() {
        return logContentBelowBytes;
    }

    public List<List<String>> onLeavingService() {
        return onLeavingService;
    }

    /** The decision on {@code action} while the CVM is in {@code mode}. */
    public Decision decide(CvmMode mode, Action action) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(action, "action");
        if (!mode.isOperational()) {
            return new Decision(false, Decision.NOT_OPERATIONAL, "the CVM is " + mode.wire() + ": nothing runs on it");
        }
        if (action instanceof Action.Write write && write.bytes() > maxUploadBytes) {
            return new Decision(false, Decision.UPLOAD_LIMIT, "the file is " + write.bytes() + " bytes; the policy allows at most "
                    + maxUploadBytes);
        }
        Optional<Rule> rule = action instanceof Action.Exec exec ? firstExec(mode, exec) : firstOther(mode, action);
        if (rule.isPresent()) {
            Rule r = rule.get();
            return new Decision(r.effect() == Rule.Effect.ALLOW, r.id(), "rule " + r.id() + " " + (r.effect() == Rule.Effect.ALLOW
                    ? "allows" : "denies") + " it in " + mode.wire());
        }
        return mode == CvmMode.IN_UPDATE ? new Decision(true, Decision.DEFAULT_IN_UPDATE, "no rule matches; in-update allows it")
                : new Decision(false, Decision.DEFAULT_IN_SERVICE, "no rule matches; in-service refuses what no rule allows");
    }

    private Optional<Rule> firstExec(CvmMode mode, Action.Exec exec) {
        int[] named = execByProgram.getOrDefault(exec.argv().get(0), NONE);
        int a = 0;
        int b = 0;
        // The two index lists are each in rule order; walk them merged so the first match in the policy's order decides.
        while (a < named.length || b < execAnyProgram.length) {
            int next = b >= execAnyProgram.length || a < named.length && named[a] < execAnyProgram[b] ? named[a++] : execAnyProgram[b++];
            Rule rule = rules.get(next);
            if (rule.modes().contains(mode) && rule.matches(exec)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    private Optional<Rule> firstOther(CvmMode mode, Action action) {
        for (Rule rule : rules) {
            if (rule.modes().contains(mode) && rule.matches(action)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    /**
     * Why replacing {@code before} by {@code after} would let the owner do something {@code before}
     * refused, or lessen what users learn or are protected by; empty when it only narrows. Narrowing is
     * judged by construction, not by what patterns could match: {@code after} may only drop allow
     * rules and add deny rules (anywhere), keeping the rest in order; lower the upload limit; raise
     * the size below which content is logged; and keep the commands run on leaving service, adding
     * more only after them. Each of these can only turn an allowed action into a refused one.
     */
    public static Optional<String> widening(ShieldPolicy before, ShieldPolicy after) {
        for (Rule rule : after.rules) {
            if (rule.effect() == Rule.Effect.ALLOW && !before.rules.contains(rule)) {
                return Optional.of("it adds or changes allow rule " + rule.id());
            }
        }
        for (Rule rule : before.rules) {
            if (rule.effect() == Rule.Effect.DENY && !after.rules.contains(rule)) {
                return Optional.of("it removes or changes deny rule " + rule.id());
            }
        }
        List<Rule> kept = before.rules.stream().filter(r -> r.effect() == Rule.Effect.DENY || after.rules.contains(r)).toList();
        List<Rule> old = after.rules.stream().filter(r -> r.effect() == Rule.Effect.ALLOW || before.rules.contains(r)).toList();
        if (!kept.equals(old)) {
            return Optional.of("it reorders rules that both policies hold");
        }
        if (after.maxUploadBytes > before.maxUploadBytes) {
            return Optional.of("it raises max_upload_bytes from " + before.maxUploadBytes + " to " + after.maxUploadBytes);
        }
        if (after.logContentBelowBytes < before.logContentBelowBytes) {
            return Optional.of("it lowers log_content_below_bytes from " + before.logContentBelowBytes + " to " + after.logContentBelowBytes);
        }
        if (after.onLeavingService.size() < before.onLeavingService.size()
                || !after.onLeavingService.subList(0, before.onLeavingService.size()).equals(before.onLeavingService)) {
            return Optional.of("it removes, changes or reorders commands run on leaving service");
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShieldPolicy other && rules.equals(other.rules) && maxUploadBytes == other.maxUploadBytes
                && logContentBelowBytes == other.logContentBelowBytes && onLeavingService.equals(other.onLeavingService);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rules, maxUploadBytes, logContentBelowBytes, onLeavingService);
    }

    @Override
    public String toString() {
        return "ShieldPolicy" + rules;
    }
}
