package dev.duet.protocol.shield;

import dev.duet.protocol.CvmMode;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One rule of a {@link ShieldPolicy}: its id, the modes it applies in, whether it allows or denies,
 * and what it matches (an argv pattern, or a path pattern for a file written or read).
 */
public record Rule(String id, Set<CvmMode> modes, Effect effect, Target target) {
    /** Rule ids: short, lower case, never a colon (the built-in decisions' ids have one). */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public enum Effect {
        ALLOW("allow"),
        DENY("deny");

        private final String wire;

        Effect(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** What a rule matches. */
    public sealed interface Target {
        /** Commands whose argv the pattern matches, one glob per argument ({@link GlobSequence}). */
        record Exec(GlobSequence argv) implements Target {}

        /** Files written at a path the pattern matches, one glob per segment ({@code /etc/**}). */
        record Write(String path, GlobSequence segments) implements Target {}

        /** Files read back from a path the pattern matches. */
        record Read(String path, GlobSequence segments) implements Target {}
    }

    public Rule {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("rule id \"" + id + "\" is not 1-64 of a-z 0-9 . _ - (starting with a letter or digit)");
        }
        if (modes.isEmpty() || !modes.stream().allMatch(CvmMode::isOperational)) {
            throw new IllegalArgumentException("rule " + id + " must name in-update, in-service or both");
        }
        modes = Collections.unmodifiableSet(EnumSet.copyOf(modes));
        Objects.requireNonNull(effect, "effect");
        Objects.requireNonNull(target, "target");
        if (target instanceof Target.Write && effect == Effect.ALLOW && modes.contains(CvmMode.IN_SERVICE)) {
            throw new IllegalArgumentException("rule " + id + " allows writing files in-service: files change only in-update");
        }
    }

    /** A path pattern as a rule names it: absolute, one glob per segment, {@code **} any number of segments. */
    public static GlobSequence pathPattern(String path) {
        if (path == null || !path.startsWith("/") || path.length() == 1) {
            throw new IllegalArgumentException("a path pattern is absolute (\"/...\")");
        }
        return GlobSequence.compile(GlobSequence.segments(path));
    }

    boolean matches(Action action) {
        if (target instanceof Target.Exec exec && action instanceof Action.Exec a) {
            return exec.argv().matches(a.argv());
        } else if (target instanceof Target.Write write && action instanceof Action.Write a) {
            return write.segments().matches(a.path().segments());
        } else if (target instanceof Target.Read read && action instanceof Action.Read a) {
            return read.segments().matches(a.path().segments());
        }
        return false;
    }
}
