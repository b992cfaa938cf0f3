package dev.duet.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * The release and commit this controller was built from, as the build wrote them
 * ({@code build.properties}, filtered by Maven from {@code project.version} and {@code duet.commit}).
 * Nothing from the clock: two builds of one commit say the same and are the same bytes.
 */
public record BuildInfo(String version, String commit) implements CommandLine.IVersionProvider {
    public BuildInfo() {
        this(read().getProperty("version", "unknown"), read().getProperty("commit", "unknown"));
    }

    private static Properties read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // Said as "unknown" below: the version line is informative, nothing depends on it.
        }
        return properties;
    }

    /** The one line {@code --version} prints. */
    public String line() {
        return "duet-controller " + version + " (commit " + commit
                + (commit.equals("unknown") ? ": built without -Dduet.commit, see docs/operations.md" : "") + ")";
    }

    @Override
    public String[] getVersion() {
        return new String[] {line()};
    }
}
