package dev.duet.protocol.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.CvmMode;
import dev.duet.protocol.shield.GlobSequence;
import dev.duet.protocol.shield.Rule;
import dev.duet.protocol.shield.ShieldPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of a {@link ShieldPolicy}, as an owner sends it and as {@code policy.set} entries
 * log it in full (docs/policy.md). Reading is strict: an unknown or missing member, a wrong type, a
 * bad pattern or a repeated rule id is a {@link MalformedPayloadException} naming where. The
 * policy's hash is the SHA-256 of its canonical (RFC 8785) JSON, which the signed state carries.
 */
public final class PolicyCodec {
    public static final int MAX_RULES = 10_000;
    public static final int MAX_LEAVING_COMMANDS = 64;
    /**
     * The longest glob (an argv element, or one segment of a path pattern), in code points. Matching
     * costs the string's length times the glob's longest segment over 64, and every verifier replays
     * every decision against the logged policy, so no pattern may be as long as a request body allows.
     */
    public static final int MAX_GLOB_CODE_POINTS = 1_024;
    /**
     * All patterns of a policy together, in code points: each argv element counts one more than its
     * length (as each path segment counts its {@code /}), so that a pattern of many empty or {@code **}
     * elements, which a decision also walks element by element, is bounded too.
     */
    public static final int MAX_PATTERN_CODE_POINTS = 65_536;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private PolicyCodec() {}

    public static ObjectNode encode(ShieldPolicy policy) {
        ObjectNode out = JSON.objectNode();
        ArrayNode rules = out.putArray("rules");
        for (Rule rule : policy.rules()) {
            ObjectNode node = rules.addObject().put("id", rule.id()).put("effect", rule.effect().wire());
            ArrayNode modes = node.putArray("modes");
            rule.modes().forEach(m -> modes.add(m.wire()));
            if (rule.target() instanceof Rule.Target.Exec exec) {
                exec.argv().source().forEach(node.putArray("exec")::add);
            } else if (rule.target() instanceof Rule.Target.Write write) {
                node.put("write", write.path());
            } else {
                node.put("read", ((Rule.Target.Read) rule.target()).path());
            }
        }
        out.put("max_upload_bytes", policy.maxUploadBytes()).put("log_content_below_bytes", policy.logContentBelowBytes());
        ArrayNode leaving = out.putArray("on_leaving_service");
        policy.onLeavingService().forEach(argv -> argv.forEach(leaving.addArray()::add));
        return out;
    }

    /** The hex SHA-256 of the policy's canonical JSON. */
    public static String sha256(ShieldPolicy policy) {
        try {
            byte[] canonical = EntryCodec.canonical(encode(policy)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a policy; {@code where} names it in errors ({@code "policy"}, or an entry's member). */
    public static ShieldPolicy decode(String where, JsonNode node) throws MalformedPayloadException {
        Fields f = new Fields(where, node);
        List<Fields> ruleNodes = f.objects("rules");
        if (ruleNodes.size() > MAX_RULES) {
            throw f.malformed("rules", "holds more than " + MAX_RULES + " rules");
        }
        List<Rule> rules = new ArrayList<>(ruleNodes.size());
        long patternCodePoints = 0;
        for (Fields r : ruleNodes) {
            Rule rule = rule(r);
            patternCodePoints += patternCodePoints(rule);
            if (patternCodePoints > MAX_PATTERN_CODE_POINTS) {
                throw new MalformedPayloadException(r.where() + " brings the policy's patterns above " + MAX_PATTERN_CODE_POINTS
                        + " code points in all (each argv element counting one more than its length)");
            }
            rules.add(rule);
        }
        long maxUpload = f.integer("max_upload_bytes", 0, Long.MAX_VALUE);
        long logBelow = f.integer("log_content_below_bytes", 0, Long.MAX_VALUE);
        JsonNode leaving = f.array("on_leaving_service");
        if (leaving.size() > MAX_LEAVING_COMMANDS) {
            throw f.malformed("on_leaving_service", "holds more than " + MAX_LEAVING_COMMANDS + " commands");
        }
        List<List<String>> commands = new ArrayList<>();
        for (int i = 0; i < leaving.size(); i++) {
            List<String> argv = Fields.strings(where + ".on_leaving_service[" + i + "]", leaving.get(i));
            if (argv.isEmpty() || argv.stream().anyMatch(a -> a.indexOf('\0') >= 0)) {
                throw f.malformed("on_leaving_service[" + i + "]", "is not an argv (at least the program, no NUL bytes)");
            }
            commands.add(argv);
        }
        f.done();
        try {
            return new ShieldPolicy(rules, maxUpload, logBelow, commands);
        } catch (IllegalArgumentException e) {
            throw new MalformedPayloadException(where + ": " + e.getMessage());
        }
    }

    private static Rule rule(Fields r) throws MalformedPayloadException {
        String id = r.text("id");
        Rule.Effect effect = switch (r.text("effect")) {
            case "allow" -> Rule.Effect.ALLOW;
            case "deny" -> Rule.Effect.DENY;
            default -> throw r.malformed("effect", "is not \"allow\" or \"deny\"");
        };
        Set<CvmMode> modes = EnumSet.noneOf(CvmMode.class);
        for (String wire : r.texts("modes")) {
            CvmMode mode = CvmMode.parse(wire).filter(CvmMode::isOperational)
                    .orElseThrow(() -> r.malformed("modes", "names \"" + wire + "\", not in-update or in-service"));
            if (!modes.add(mode)) {
                throw r.malformed("modes", "names " + wire + " twice");
            }
        }
        int targets = (r.has("exec") ? 1 : 0) + (r.has("write") ? 1 : 0) + (r.has("read") ? 1 : 0);
        if (targets != 1) {
            throw new MalformedPayloadException(r.where() + " must have exactly one of exec, write, read");
        }
        try {
            Rule.Target target;
            if (r.has("exec")) {
                List<String> globs = r.texts("exec");
                for (int i = 0; i < globs.size(); i++) {
                    boundGlob(r.where() + ".exec[" + i + "]", globs.get(i));
                }
                target = new Rule.Target.Exec(GlobSequence.compile(globs));
            } else if (r.has("write")) {
                String path = r.text("write");
                boundSegments(r.where() + ".write", path);
                target = new Rule.Target.Write(path, Rule.pathPattern(path));
            } else {
                String path = r.text("read");
                boundSegments(r.where() + ".read", path);
                target = new Rule.Target.Read(path, Rule.pathPattern(path));
            }
            r.done();
            return new Rule(id, modes, effect, target);
        } catch (IllegalArgumentException e) {
            throw new MalformedPayloadException(r.where() + ": " + e.getMessage());
        }
    }

    private static void boundGlob(String where, String glob) throws MalformedPayloadException {
        int length = glob.codePointCount(0, glob.length());
        if (length > MAX_GLOB_CODE_POINTS) {
            throw new MalformedPayloadException(where + " is a glob of " + length + " code points; at most " + MAX_GLOB_CODE_POINTS
                    + " are taken");
        }
    }

    private static void boundSegments(String where, String path) throws MalformedPayloadException {
        String[] segments = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            boundGlob(where + " segment " + i, segments[i]);
        }
    }

    private static long patternCodePoints(Rule rule) {
        if (rule.target() instanceof Rule.Target.Exec exec) {
            return exec.argv().source().stream().mapToLong(g -> g.codePointCount(0, g.length()) + 1L).sum();
        }
        String path = rule.target() instanceof Rule.Target.Write write ? write.path() : ((Rule.Target.Read) rule.target()).path();
        return path.codePointCount(0, path.length());
    }
}
