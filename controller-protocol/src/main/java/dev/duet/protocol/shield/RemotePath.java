package dev.duet.protocol.shield;

import dev.duet.protocol.report.BundleReport;
import java.util.List;

/**
 * A path on a CVM as the policy judges it and the controller writes it: absolute and already
 * normal (no {@code .} or {@code ..} segment, no empty segment, no trailing slash), without NUL,
 * control (C0 or C1) or invisible format characters (bidirectional overrides, zero-width
 * characters: a path shown to owners and users must read as what it is), at most 4,096 bytes. Refusing other forms rather than normalising them means
 * the path a rule matched is exactly the path the CVM's file system is asked for.
 */
public record RemotePath(String value) {
    public static final int MAX_BYTES = 4096;

    public RemotePath {
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Why {@code value} is not a path this record takes, or null when it is. */
    public static String problem(String value) {
        if (value == null || !value.startsWith("/") || value.length() == 1) {
            return "a path must be absolute and name a file (\"/...\")";
        }
        if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "a path is at most " + MAX_BYTES + " bytes";
        }
        if (value.codePoints().anyMatch(c -> BundleReport.unprintable(c) || Character.getType(c) == Character.SURROGATE)) {
            return "a path holds no NUL, control or invisible format characters (such as U+202E or U+200B)";
        }
        for (String segment : GlobSequence.segments(value)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "a path has no empty, \".\" or \"..\" segment (write it in normal form): " + value;
            }
        }
        return null;
    }

    /** The directory the file is in. */
    public String parent() {
        int slash = value.lastIndexOf('/');
        return slash == 0 ? "/" : value.substring(0, slash);
    }

    /** The file's name, the last segment. */
    public String name() {
        return value.substring(value.lastIndexOf('/') + 1);
    }

    List<String> segments() {
        return GlobSequence.segments(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
